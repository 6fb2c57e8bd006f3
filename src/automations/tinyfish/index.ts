/** The TinyFish web-agent automation: its protocol, client and result assertions. */
export { type Assertion, type AssertionChecker, assertionSchema, compileAssertion } from "./assertion.js";
export { runTinyFish, type TinyFishRunOptions, type TinyFishRunResult } from "./client.js";
export { type RunOutcome, TINYFISH_BASE_URL, type TinyFishEvent, type TinyFishRequest } from "./protocol.js";
