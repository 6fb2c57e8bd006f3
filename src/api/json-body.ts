import type { FastifyInstance } from "fastify";
import secureJson from "secure-json-parse";
import { ApiError, bodyRule } from "./errors.js";

/**
 * The JSON body parser (replacing Fastify's, with the same secure-json-parse underneath) so that
 * each refusal says what was wrong: malformed JSON, an empty body, or a key that could pollute
 * prototypes (`__proto__`, `constructor.prototype`).
 */
export function parseJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") {
      const message = "request body is empty; send a JSON object";
      done(new ApiError(400, "invalid_json", message, bodyRule("not_empty", message)), undefined);
      return;
    }
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: "error", constructorAction: "error" }));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/prototype/i.test(message)) {
        const why = "request body contains a __proto__ or constructor.prototype key";
        done(new ApiError(400, "forbidden_key", why, bodyRule("no_prototype_keys", why)), undefined);
      } else {
        const why = `request body is not valid JSON: ${message}`;
        done(new ApiError(400, "invalid_json", why, bodyRule("json", why)), undefined);
      }
    }
  });
}
