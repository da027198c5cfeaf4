/**
 * Parsing of the JSON bodies the code-interpreter API accepts. Python's SDK sends every key
 * (`null` for unset ones); the JS SDK leaves undefined keys out; both are accepted.
 *
 * @module
 */
import { RequestValidationError, type ValidationIssue } from "./errors.ts";
import { isRecord } from "@kruise-agents/shared/std";

/** Body of `POST /execute`. */
export interface ExecuteRequest {
  /** Code to run. */
  code: string;
  /** Context to run it in. */
  contextId: string | null;
  /** Language whose default context runs it. */
  language: string | null;
  /** Env vars for this execution only. */
  envVars: Record<string, string>;
}

/** Body of `POST /contexts`. */
export interface CreateContextRequest {
  /** Language of the new context (default python). */
  language: string | null;
  /** Its working directory (default the interpreter's). */
  cwd: string | null;
}

function optionalString(
  body: Record<string, unknown>,
  key: string,
  issues: ValidationIssue[],
): string | null {
  const value = body[key];
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value;
  issues.push({ loc: ["body", key], msg: "Input should be a valid string", type: "string_type" });
  return null;
}

/** Parses a `POST /execute` body; throws {@linkcode RequestValidationError} (422). */
export function parseExecuteRequest(body: unknown): ExecuteRequest {
  if (!isRecord(body)) {
    throw new RequestValidationError([
      { loc: ["body"], msg: "Input should be a valid dictionary", type: "dict_type" },
    ]);
  }
  const issues: ValidationIssue[] = [];
  let code = "";
  if (body.code === undefined || body.code === null) {
    issues.push({ loc: ["body", "code"], msg: "Field required", type: "missing" });
  } else if (typeof body.code !== "string") {
    issues.push({
      loc: ["body", "code"],
      msg: "Input should be a valid string",
      type: "string_type",
    });
  } else {
    code = body.code;
  }
  const contextId = optionalString(body, "context_id", issues);
  const language = optionalString(body, "language", issues);
  const envVars: Record<string, string> = {};
  const rawEnvs = body.env_vars;
  if (rawEnvs !== undefined && rawEnvs !== null) {
    if (!isRecord(rawEnvs)) {
      issues.push({
        loc: ["body", "env_vars"],
        msg: "Input should be a valid dictionary",
        type: "dict_type",
      });
    } else {
      for (const [name, value] of Object.entries(rawEnvs)) {
        if (typeof value === "string") envVars[name] = value;
        else {
          issues.push({
            loc: ["body", "env_vars", name],
            msg: "Input should be a valid string",
            type: "string_type",
          });
        }
      }
    }
  }
  if (issues.length > 0) throw new RequestValidationError(issues);
  return { code, contextId, language, envVars };
}

/** Parses a `POST /contexts` body (an empty body means all defaults). */
export function parseCreateContextRequest(body: unknown): CreateContextRequest {
  if (body === undefined || body === null) return { language: null, cwd: null };
  if (!isRecord(body)) {
    throw new RequestValidationError([
      { loc: ["body"], msg: "Input should be a valid dictionary", type: "dict_type" },
    ]);
  }
  const issues: ValidationIssue[] = [];
  const language = optionalString(body, "language", issues);
  const cwd = optionalString(body, "cwd", issues);
  if (issues.length > 0) throw new RequestValidationError(issues);
  return { language, cwd };
}
