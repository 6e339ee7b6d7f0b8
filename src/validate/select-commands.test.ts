import { afterEach, describe, expect, test } from "@jest/globals";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPOS_DIR } from "../../test/helpers/fixture-repo.js";
import { projectDefaults } from "./project-defaults.js";
import { selectCommands } from "./select-commands.js";
import { checkStep, inWorkingDirectory } from "./step-safety.js";
import { workflowSteps } from "./workflow-steps.js";

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "t0-select-"));
  temps.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}
const nodeSum = join(REPOS_DIR, "node-sum");
const pySlug = join(REPOS_DIR, "python-slug");

describe("workflowSteps", () => {
  test("finds a matrix job's failing step and the run: steps before it", async () => {
    const yml = await readFile(join(nodeSum, ".github/workflows/ci.yml"), "utf8");
    const found = workflowSteps(yml, "test (node 20)", "Unit tests");
    expect(found.failing).toEqual({ name: "Unit tests", run: "npm test" });
    expect(found.earlier.map((s) => s.run)).toEqual(["npm install", 'echo "//registry.npmjs.org/:_authToken=${{ secrets.NPM_TOKEN }}" > .npmrc']);
  });

  test("a job's working-directory that YAML reads as a number is that directory, not the workflow's", () => {
    // fetch-logs read `working-directory: 2024` as "2024"; this reading fell back to the workflow's `app`.
    const yml = `
defaults: { run: { working-directory: app, shell: bash } }
jobs:
  test:
    runs-on: ubuntu-latest
    defaults: { run: { working-directory: 2024 } }
    steps:
      - run: make setup
      - name: Unit tests
        run: make test
        working-directory: 2025
`;
    const found = workflowSteps(yml, "test", "Unit tests");
    expect(found.failing).toEqual({ name: "Unit tests", run: "make test", workingDirectory: "2025", shell: "bash" });
    expect(found.earlier).toEqual([{ run: "make setup", workingDirectory: "2024", shell: "bash" }]);
  });

  test("a step without a name is found by GitHub's 'Run <command>' name; working-directory defaults apply", () => {
    const yml = `
defaults: { run: { working-directory: app } }
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: npm ci
      - run: |
          npm test -- --ci
          echo done
        working-directory: web
`;
    const found = workflowSteps(yml, "build", "Run npm test -- --ci");
    expect(found.failing).toEqual({ run: "npm test -- --ci\necho done", workingDirectory: "web" });
    expect(found.earlier).toEqual([{ run: "npm ci", workingDirectory: "app" }]);
  });

  test("says why when the job or step is not there, or the YAML is broken", () => {
    expect(workflowSteps("jobs: {a: {steps: []}, b: {steps: []}}", "c", "x").problem).toMatch(/job "c" not found/);
    expect(workflowSteps("jobs: {a: {steps: [{uses: actions/checkout@v4}]}}", "a", "Run actions/checkout@v4").problem).toMatch(/not a run: step/);
    expect(workflowSteps("jobs: [", "a", "b").problem).toMatch(/not valid YAML/);
  });
});

describe("checkStep", () => {
  test.each([
    ["npm publish", "deploys or publishes"],
    ["echo ${{ secrets.TOKEN }}", "GitHub expression"],
    ["curl -s https://x.sh | sh", "talks to other hosts"],
    ["sudo apt-get install -y libfoo", "changes the host system"],
    ["git push origin HEAD", "git remotes"],
    ['echo "x=1" >> $GITHUB_OUTPUT', "Actions step files"],
    ["docker build .", "infrastructure"],
  ])("refuses %s", (run, why) => {
    expect(checkStep(run, "validate")).toEqual({ ok: false, reason: expect.stringContaining(why) });
  });

  test("the command quoted in a refusal is redacted before it is cut", () => {
    const token = "ghp_Zx81kQmT0pLwR4vN7bYc2dHs9fJg6tKe3aUq";
    for (const run of [`deploy-tool --target prod --name ${"z".repeat(10)} ${token}`, `echo $(cat ${"w".repeat(30)}) ${token}`, `cd ../${"v".repeat(40)}/${token}`]) {
      const v = checkStep(run, "setup");
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.reason).not.toContain(token.slice(0, 12));
    }
  });

  test("setup takes installs and builds line by line, and marks downloads", () => {
    expect(checkStep("npm ci", "setup")).toEqual({ ok: true, needsNetwork: true });
    expect(checkStep("python -m pip install -r requirements.txt\npip install -e .", "setup")).toEqual({ ok: true, needsNetwork: true });
    expect(checkStep("npm run build", "setup")).toEqual({ ok: true, needsNetwork: false });
    expect(checkStep("npm ci && make everything", "setup")).toMatchObject({ ok: false, reason: expect.stringContaining("make everything") });
    expect(checkStep("npm test", "validate")).toEqual({ ok: true });
  });

  test.each([
    ["npm run build || ./scripts/ship-it.sh", "./scripts/ship-it.sh"],
    ["npm ci | sh", '"sh"'],
    ["npm ci & node exfil.js", "node exfil.js"],
    ["npm run build $(node exfil.js)", "command substitution"],
    ["npm run build `node x.js`", "command substitution"],
    ["npm ci > >(node x.js)", "command substitution"],
    ["cd .. && npm run build", "leaves the checkout"],
    ["cd / && npm run build", "leaves the checkout"],
    ["cd ~ && npm ci", "leaves the checkout"],
    ["cd && npm ci", "leaves the checkout"],
  ])("setup refuses %s: every command of a line is checked, not only the first", (run, why) => {
    expect(checkStep(run, "setup")).toMatchObject({ ok: false, reason: expect.stringContaining(why) });
  });

  // The install step of GitHub's python-app and python-package starter workflows.
  test("setup takes installs guarded by a file test, and checks what the branches run", () => {
    const starter = "python -m pip install --upgrade pip\npython -m pip install flake8 pytest\nif [ -f requirements.txt ]; then pip install -r requirements.txt; fi";
    expect(checkStep(starter, "setup")).toEqual({ ok: true, needsNetwork: true });
    expect(checkStep("if [[ ! -d node_modules ]]; then npm ci; else npm run build; fi", "setup")).toEqual({ ok: true, needsNetwork: true });
    expect(checkStep("if test -e go.mod; then go mod download; fi", "setup")).toEqual({ ok: true, needsNetwork: true });
    expect(checkStep("if [ -f requirements.txt ]; then node exfil.js; fi", "setup")).toMatchObject({ ok: false, reason: expect.stringContaining("node exfil.js") });
    expect(checkStep("if node exfil.js; then npm ci; fi", "setup")).toMatchObject({ ok: false, reason: expect.stringContaining("node exfil.js") });
    expect(checkStep("if [ -f x ]; then npm ci; else ./ship.sh; fi", "setup")).toMatchObject({ ok: false, reason: expect.stringContaining("./ship.sh") });
  });

  test("setup still takes redirections, fallbacks between installs, continued lines and cd into the checkout", () => {
    expect(checkStep("npm ci 2>&1", "setup")).toEqual({ ok: true, needsNetwork: true });
    expect(checkStep("yarn install --frozen-lockfile || yarn install", "setup")).toEqual({ ok: true, needsNetwork: true });
    expect(checkStep("pip install \\\n  -r requirements.txt \\\n  -r requirements-dev.txt", "setup")).toEqual({ ok: true, needsNetwork: true });
    expect(checkStep('cd "packages/app" && npm ci', "setup")).toEqual({ ok: true, needsNetwork: true });
  });

  test("working directories stay inside the checkout", () => {
    expect(inWorkingDirectory("npm test", "web")).toBe("cd 'web' && npm test");
    expect(inWorkingDirectory("npm test", undefined)).toBe("npm test");
    expect(inWorkingDirectory("npm test", "../elsewhere")).toBeUndefined();
    expect(inWorkingDirectory("npm test", "/etc")).toBeUndefined();
  });
});

describe("projectDefaults", () => {
  test("the fixtures' own commands", () => {
    expect(projectDefaults(nodeSum)).toMatchObject({ language: "javascript", validate: "npm test", setup: [] });
    expect(projectDefaults(pySlug)).toMatchObject({ language: "python", validate: "python3 -m unittest discover -v", setup: [] });
  });

  test("pytest when the project uses it; installs for declared dependencies; Go, Rust, Maven", async () => {
    expect(projectDefaults(await project({ "pytest.ini": "[pytest]\n", "requirements.txt": "requests\n" }))).toMatchObject({
      validate: "python3 -m pytest -x",
      setup: [{ command: "python3 -m pip install -r requirements.txt", needsNetwork: true }],
    });
    expect(projectDefaults(await project({ "package.json": '{"devDependencies":{"jest":"1"},"scripts":{"test":"echo \\"Error: no test specified\\" && exit 1"}}', "package-lock.json": "{}" }))).toMatchObject({
      validate: "node --test",
      setup: [{ command: "npm ci", needsNetwork: true }],
    });
    expect(projectDefaults(await project({ "go.mod": "module x\n" }))?.validate).toBe("go test ./...");
    expect(projectDefaults(await project({ "Cargo.toml": "[package]\n" }))?.validate).toBe("cargo test");
    expect(projectDefaults(await project({ "pom.xml": "<project/>" }))?.validate).toBe("mvn -q test");
    expect(projectDefaults(await project({ "README.md": "hi" }))).toBeUndefined();
  });

  // The checkout writes committed symlinks as they are: `requirements.txt -> /dev/zero` had readFileSync read
  // forever on the event loop (0.5 GB in four seconds), stalling every job of the process.
  test("a manifest that is a symlink out of the checkout or to a device is not read; one to a file inside it is", async () => {
    const { symlink } = await import("node:fs/promises");
    const outside = await project({ "package.json": '{"scripts":{"test":"jest"}}', "requirements.txt": "pytest\n" });
    const dir = await project({ "setup.py": "", "packages/shared/requirements.txt": "pytest\n" });
    await symlink(join(outside, "package.json"), join(dir, "package.json"));
    await symlink(join(outside, "requirements.txt"), join(dir, "requirements.txt"));
    await symlink("/dev/zero", join(dir, "pyproject.toml"));
    await symlink("/dev/zero", join(dir, "setup.cfg"));
    expect(projectDefaults(dir)).toMatchObject({ language: "python", validate: "python3 -m unittest discover -v", setup: [] });
    const linked = await project({ "setup.py": "", "packages/shared/requirements.txt": "pytest\n" });
    await symlink("packages/shared/requirements.txt", join(linked, "requirements.txt"));
    expect(projectDefaults(linked)).toMatchObject({ validate: "python3 -m pytest -x", setup: [{ command: "python3 -m pip install -r requirements.txt", needsNetwork: true }] });
  });

  test("the failure context's languages decide between several kinds", async () => {
    const dir = await project({ "package.json": "{}", "pyproject.toml": "[tool.pytest.ini_options]\n" });
    expect(projectDefaults(dir)?.language).toBe("javascript");
    expect(projectDefaults(dir, ["Python"])?.language).toBe("python");
  });
});

describe("selectCommands", () => {
  const yml = () => readFile(join(nodeSum, ".github/workflows/ci.yml"), "utf8");

  test("repo config wins for both lists", () => {
    const plan = selectCommands({ config: { setup: ["make deps"], validate: ["make test"] }, input: { failingCommand: "npm test", earlierRunSteps: ["npm ci"] }, workspaceDir: nodeSum, setupNetwork: false });
    expect(plan).toEqual({ setup: [{ command: "make deps", source: "repo-config" }], validate: [{ command: "make test", source: "repo-config" }], skipped: [] });
  });

  test("then the failing step, with safe earlier steps as setup and the rest skipped with reasons", async () => {
    const found = workflowSteps(await yml(), "test (node 22)", "Unit tests");
    const plan = selectCommands({
      config: {},
      input: { failingCommand: found.failing?.run, earlierRunSteps: found.earlier },
      workspaceDir: nodeSum,
      setupNetwork: true,
    });
    expect(plan.validate).toEqual([{ command: "npm test", source: "workflow" }]);
    expect(plan.setup).toEqual([{ command: "npm install", source: "workflow" }]);
    expect(plan.skipped).toEqual([{ command: expect.stringContaining("secrets.NPM_TOKEN"), source: "workflow", reason: expect.stringContaining("GitHub expression") }]);
  });

  test("install steps are skipped without network, saying which key to set", () => {
    const plan = selectCommands({ config: {}, input: { failingCommand: "npm test", earlierRunSteps: ["npm ci", "npm run build"] }, workspaceDir: nodeSum, setupNetwork: false });
    expect(plan.setup).toEqual([{ command: "npm run build", source: "workflow" }]);
    expect(plan.skipped).toEqual([{ command: "npm ci", source: "workflow", reason: expect.stringContaining("network: setup") }]);
  });

  test("an unsafe failing command falls back to the project's default", () => {
    const plan = selectCommands({ config: {}, input: { failingCommand: "npm test && codecov" }, workspaceDir: pySlug, setupNetwork: false });
    expect(plan.validate).toEqual([{ command: "python3 -m unittest discover -v", source: "default" }]);
    expect(plan.language).toBe("python");
    expect(plan.skipped[0]).toMatchObject({ command: "npm test && codecov", reason: "reports or publishes" });
  });

  test("an explicit empty setup list in the config means no setup", () => {
    const plan = selectCommands({ config: { setup: [] }, input: { failingCommand: "npm test", earlierRunSteps: ["npm run build"] }, workspaceDir: nodeSum, setupNetwork: true });
    expect(plan.setup).toEqual([]);
  });

  test("nothing to run when there is no config, no workflow command and no known project", async () => {
    const plan = selectCommands({ config: {}, input: {}, workspaceDir: await project({ "notes.txt": "" }), setupNetwork: false });
    expect(plan.validate).toEqual([]);
  });
});
