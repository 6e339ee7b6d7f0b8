/**
 * Names of the files jest and vitest read their configuration from. The green-washing line rules, the
 * whole-file checks and the test-config list shown to the model must agree on them: a name one of them
 * misses is a config file the guard does not read or the model is not shown. Each matches a repository
 * path or a bare file name.
 */

/** `jest.config.{js,ts,mjs,cjs,mts,cts,json}`. */
export const JEST_CONFIG_FILE = /(^|\/)jest\.config\.([cm]?[jt]s|json)$/;
/** `vitest.config.*`, `vite.config.*` and vitest's workspace/projects files. */
export const VITEST_CONFIG_FILE = /(^|\/)((vitest|vite)\.config\.[cm]?[jt]s|vitest\.(workspace|projects)\.([cm]?[jt]s|json))$/;
/** The files in a directory vitest takes its configuration from, in its order: the first that exists. */
export const VITEST_CONFIG_ORDER = ["vitest.config", "vite.config"].flatMap((name) => [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"].map((ext) => name + ext));
/**
 * The files in a directory jest takes its configuration from, in its order (jest-config's
 * JEST_CONFIG_EXT_ORDER, then package.json's "jest"): the first that exists.
 */
export const JEST_CONFIG_ORDER = [...[".js", ".ts", ".mjs", ".mts", ".cjs", ".cts", ".json"].map((ext) => `jest.config${ext}`), "package.json"];
