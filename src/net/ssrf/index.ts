export {
  type AddressPolicy,
  type AddressPolicyOptions,
  type AddressVerdict,
  type BlockedRange,
  createAddressPolicy,
  type Embedding,
} from "./address-policy.js";
export {
  checkUrl,
  guardedLookup,
  InvalidUrlError,
  type Resolver,
  resolveGuarded,
  SsrfBlockedError,
} from "./guard.js";
export {
  createGuardedAgent,
  type GuardedAgentOptions,
  type GuardedConnectOptions,
  guardedConnector,
} from "./guarded-agent.js";
export {
  type GuardedRequestOptions,
  type GuardedResponse,
  guardedRequest,
  RequestTimeoutError,
  TooManyRedirectsError,
} from "./guarded-request.js";
