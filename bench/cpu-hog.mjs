// Child of queue.mjs (BENCH_CPU_TAKEN=<share>): a competing load, one per core, that takes
// <share> of a core's time, as other work on a busier host would. It spins in 1 ms slices
// whenever its CPU time so far is below <share> of the time since it started, and sleeps 1 ms
// otherwise; the kernel schedules it like any other process.
// Usage: node bench/cpu-hog.mjs <share>
const share = Number(process.argv[2]);
if (!(share > 0 && share < 1)) throw new Error(`share must be between 0 and 1, not ${process.argv[2]}`);
const start = performance.now();
const used = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const baseline = used();
function slice() {
  while (used() - baseline < share * (performance.now() - start)) {
    const end = performance.now() + 1;
    while (performance.now() < end);
  }
  setTimeout(slice, 1);
}
slice();
