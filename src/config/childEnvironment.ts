/**
 * The environment for a child Courier process (the sandbox launcher starts one): this
 * process's environment plus overrides. It lives here because src/config/ is the only
 * place that reads process.env.
 */
export function childEnvironment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
