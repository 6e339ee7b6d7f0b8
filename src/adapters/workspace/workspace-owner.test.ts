import { describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { ownerAlive, parseOwner, processStart, thisProcess } from "./workspace-owner.js";

describe("who owns a workspace, and whether it still runs", () => {
  test("this process is alive; a process that has exited is not", () => {
    expect(ownerAlive(thisProcess())).toBe(true);
    const gone = spawnSync(process.execPath, ["-e", ""]).pid!;
    expect(ownerAlive({ pid: gone, host: hostname(), start: null })).toBe(false);
  });

  (existsSync("/proc/self/stat") ? test : test.skip)("a pid now used by a later process is not the owner's", () => {
    const me = thisProcess();
    expect(me.start).toMatch(/^\d+$/);
    expect(processStart(process.pid)).toBe(me.start);
    expect(ownerAlive({ ...me, start: String(Number(me.start) + 1) })).toBe(false);
  });

  test("another host's process cannot be seen from here, so it is taken to be alive", () => {
    expect(ownerAlive({ pid: 2 ** 22 + 7, host: `not-${hostname()}`, start: "1" })).toBe(true);
  });

  test("an owner file not written by us names no owner", () => {
    expect(parseOwner(JSON.stringify(thisProcess()))).toEqual(thisProcess());
    for (const text of ["", "{", "{}", '{"pid":0,"host":"h","start":null}', '{"pid":"1","host":"h","start":null}', "[1]"]) expect(parseOwner(text)).toBeUndefined();
  });
});
