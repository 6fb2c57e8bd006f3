/** Maps a socket or TLS error to a low-cardinality failure reason. */
export function socketErrorReason(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  switch (code) {
    case "ECONNREFUSED":
      return "connect_refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return "dns_error";
    case "ECONNRESET":
    case "EPIPE":
      return "connection_reset";
    case "ETIMEDOUT":
      return "connect_timeout";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EADDRNOTAVAIL":
      return "unreachable";
    case "ssrf_blocked":
      return "ssrf_blocked";
    default:
      if (
        typeof code === "string" &&
        (code.startsWith("ERR_TLS") || code.includes("CERT") || code.startsWith("ERR_SSL"))
      ) {
        return "tls_error";
      }
      return "socket_error";
  }
}
