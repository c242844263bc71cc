// Run by bench/run under callgrind: node bench_count.js calls|pairs N (BENCH_ADDON: bench_addon.node).
// Prints what was done and exits 2 unless N operations were done and every accepted call ran once.
const [op, n] = process.argv.slice(2);
const addon = require(process.env.BENCH_ADDON);
let calls = 0;
const done = addon.run(op, Number(n), () => { calls++; });
setImmediate(function check() {
  if (op === 'calls' && calls < done) return setImmediate(check);
  console.log(JSON.stringify({ op, n: Number(n), done, calls }));
  if (done !== Number(n) || (op === 'calls' && calls !== done)) process.exit(2);
});
