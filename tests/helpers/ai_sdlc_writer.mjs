// Rewrites one story ROUNDS times through ai-sdlc's own code — parseStory,
// then writeStory with its proper-lockfile lock and in-place write — exactly
// as every ai-sdlc command that changes a story does, but without paying a
// node start-up per round. Each round appends a line naming itself.
//   node ai_sdlc_writer.mjs <ai-sdlc executable> <story.md> <rounds>
import fs from 'fs';
import path from 'path';
import { pathToFileURL } from 'url';

const [bin, storyFile, rounds] = process.argv.slice(2);
const io = path.join(path.dirname(fs.realpathSync(bin)), '..', 'dist', 'core', 'story', 'io.js');
if (!fs.existsSync(io)) {
  console.error(`ai_sdlc_writer: ${io} is missing: rebuild the peer with ../shared/peers/build-ai-sdlc`);
  process.exit(2);
}
const { parseStory, writeStory } = await import(pathToFileURL(io).href);
for (let i = 0; i < Number(rounds); ++i) {
  const story = parseStory(storyFile);
  story.content += `\nai-sdlc round ${i}\n`;
  await writeStory(story);
}
