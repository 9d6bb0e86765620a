// node:util in a page: debuglog only, off (a page has no NODE_DEBUG to turn it on).
type DebugLog = ((message: string, ...args: unknown[]) => void) & { enabled: boolean };

export function debuglog(_section: string): DebugLog {
  return Object.assign(() => {}, { enabled: false });
}
