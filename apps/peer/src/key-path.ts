import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the key of stream `name` is kept when `--key` is not given:
 * `$P2PSTREAM_CONFIG_DIR/keys/NAME.key`, else `$XDG_CONFIG_HOME/p2pstream/keys/NAME.key`,
 * else `~/.config/p2pstream/keys/NAME.key`. A name is never a path (the wire's name
 * pattern has no `/`, and cannot start with `.`).
 */
export function defaultKeyPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.P2PSTREAM_CONFIG_DIR || join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'p2pstream');
  return join(base, 'keys', `${name}.key`);
}
