import { BadStatsLineError, isViewerStatsLine, parseStatsLine } from '@p2pstream/peer-client';

// Two lines of `--stats` files, cut short here: a real viewer's line has every ViewerStatsLine field.
const lines = [
  '{"time":1795602047654,"role":"publisher","name":"cam1","stream":"f6cd","live":true,"chunks":36,"edge":36,"peers":2,"bytesUploaded":1480876,"rssBytes":81920000}',
  '{"time":1795602047655,"role":"viewer","name":"cam1","stream":"f6cd","live":true,"played":36,"due":37,"skipped":1,"continuity":0.973}',
];

for (const line of lines.map(parseStatsLine)) {
  if (isViewerStatsLine(line)) console.log(`viewer: played ${line.played} of ${line.due}, continuity ${line.continuity}`);
  else console.log(`publisher: ${line.chunks} chunks cut, ${line.peers} peers`);
}

try {
  parseStatsLine('{"time":1795602047656,"role":"seeder"}');
} catch (error) {
  if (error instanceof BadStatsLineError) console.log(`${error.code}: ${error.message}`);
}
