import { buildBrowserBundle } from './build.js';

// `npm run bundle:browser -- OUT.js`: writes the browser viewer's bundle (one ES module).
const outfile = process.argv[2];
if (outfile === undefined || outfile.startsWith('-')) {
  console.error('usage: npm run bundle:browser -- OUT.js');
  process.exit(2);
}
const { code } = await buildBrowserBundle({ outfile });
console.log(`wrote ${outfile} (${code.length} bytes)`);
