/** Types for the `input` package (terminal prompts over inquirer), which ships none. */
declare module 'input' {
  export function text(label?: string, options?: { default?: string }): Promise<string>;
  export function password(label?: string, options?: { default?: string }): Promise<string>;
}
