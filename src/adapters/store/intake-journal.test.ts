import { describe, expect, test } from "@jest/globals";
import { makeDelivery, makeJob } from "../../../test/helpers/make-job.js";
import { decodeIntakeRecord, encodeIntakeRecord } from "./intake-journal.js";

const line = (chunks: Buffer[]) => {
  const buf = Buffer.concat(chunks);
  expect(buf[buf.length - 1]).toBe(0x0a);
  expect(buf.subarray(0, -1).includes(0x0a)).toBe(false);
  return buf.subarray(0, -1);
};

describe("intake journal lines", () => {
  test("a JSON body is embedded as it came and read back byte for byte, without parsing it", () => {
    const job = makeJob();
    const delivery = makeDelivery(job);
    const body = Buffer.from('{"action":"completed","note":"café ✓ \\"quoted\\" ,\\"body\\":","n":1}');
    const raw = line(encodeIntakeRecord(delivery, JSON.stringify(job), body));
    expect(JSON.parse(raw.toString())).toEqual({ bodyBytes: body.length, delivery, job, body: JSON.parse(body.toString()) });
    const rec = decodeIntakeRecord(raw)!;
    expect(rec.delivery).toEqual(delivery);
    expect(rec.job).toEqual(job);
    expect(rec.payload()).toBe(body.toString());
  });

  test("a body with line breaks, or one that was not JSON, is stored as an escaped string", () => {
    for (const [body, outcome] of [["{\r\n  \"a\": 1\r\n}", "ignored"], ['{"a": 1', "invalid"], ["", "invalid"]] as const) {
      const delivery = makeDelivery(undefined, { outcome });
      const raw = line(encodeIntakeRecord(delivery, undefined, body));
      expect(JSON.parse(raw.toString())).toEqual({ delivery, payload: body });
      expect(decodeIntakeRecord(raw)?.payload()).toBe(body);
    }
  });

  test("a torn line is skipped wherever it was cut, never misread", () => {
    const job = makeJob();
    const raw = line(encodeIntakeRecord(makeDelivery(job), JSON.stringify(job), Buffer.from('{"x":"' + "y".repeat(300) + '"}')));
    for (let cut = 1; cut < raw.length; cut++) expect(decodeIntakeRecord(raw.subarray(0, cut))).toBeUndefined();
    expect(decodeIntakeRecord(Buffer.from("not json"))).toBeUndefined();
    expect(decodeIntakeRecord(Buffer.alloc(0))).toBeUndefined();
  });

  test("lines written before bodies were embedded are still read", () => {
    const job = makeJob();
    const delivery = makeDelivery(job);
    const old = Buffer.from(JSON.stringify({ delivery, job, payload: '{"old":true}' }));
    expect(decodeIntakeRecord(old)).toMatchObject({ delivery, job });
    expect(decodeIntakeRecord(old)!.payload()).toBe('{"old":true}');
  });
});
