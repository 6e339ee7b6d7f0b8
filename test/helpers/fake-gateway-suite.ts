import { afterAll, beforeAll, beforeEach } from "@jest/globals";
import { TensorZeroClient, type TensorZeroClientOptions } from "../../src/adapters/tensorzero/tensorzero-client.js";
import { DEFAULT_FAKE_OUTPUT, FakeTensorZero } from "../fakes/fake-tensorzero.js";

export interface FakeGatewaySuite {
  /** The running fake; set once the suite's beforeAll has run. */
  readonly fake: FakeTensorZero;
  /** Backoff sleeps the clients asked for, recorded instead of waited; cleared before each test. */
  readonly sleeps: number[];
  /** A client of the fake that records its sleeps; closed after the suite. */
  client(o?: Partial<TensorZeroClientOptions>): TensorZeroClient;
}

/**
 * Registers one fake gateway for the calling test file: started before its tests, reset to the default
 * answer before each, stopped (with every client made through `client`) after them.
 */
export function useFakeGateway(defaults: Partial<TensorZeroClientOptions> = {}): FakeGatewaySuite {
  let fake: FakeTensorZero | undefined;
  const sleeps: number[] = [];
  const clients: TensorZeroClient[] = [];
  beforeAll(async () => {
    fake = await FakeTensorZero.start();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await fake?.stop();
  });
  beforeEach(() => {
    sleeps.length = 0;
    fake!.setDefault({ output: DEFAULT_FAKE_OUTPUT });
  });
  const running = () => {
    if (!fake) throw new Error("the fake gateway starts in beforeAll: use it inside a test");
    return fake;
  };
  return {
    get fake() {
      return running();
    },
    sleeps,
    // Not a method: `client` may be taken off the suite (`const { client } = useFakeGateway()`).
    client: (o = {}) => {
      const c = new TensorZeroClient({ baseUrl: running().url, sleep: async (ms) => void sleeps.push(ms), ...defaults, ...o });
      clients.push(c);
      return c;
    },
  };
}
