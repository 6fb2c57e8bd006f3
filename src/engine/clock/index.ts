export type { Clock, Timers, TimersOptions } from "./clock.js";
export { systemClock } from "./system-clock.js";
export { VirtualClock } from "./virtual-clock.js";
