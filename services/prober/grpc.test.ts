import assert from "node:assert/strict";
import { test } from "node:test";
import { credentials } from "@grpc/grpc-js";
import { PortState } from "../../gen/ipv6matrix/v1/common.js";
import { type ProbeResponse, ProberServiceClient } from "../../gen/ipv6matrix/v1/prober.js";
import { loadConfig } from "../runtime/config.js";
import { startGrpcServer } from "../runtime/grpc-server.js";
import { proberGrpcService } from "./grpc.js";
import { Prober, proberOptionsFrom } from "./prober.js";

test("ProberService.Probe: one address, and a clear error for what is not one", async () => {
  const config = loadConfig({ sets: ["metrics.ping=false", "metrics.path=false"] });
  const prober = new Prober({ ...proberOptionsFrom(config), confineTo: ["127.0.0.0/8"] });
  const server = await startGrpcServer({ host: "127.0.0.1", port: 0 }, [proberGrpcService(prober)]);
  const client = new ProberServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  const call = (ip: string) =>
    new Promise<ProbeResponse>((resolve, reject) =>
      client.probe({ ip, options: undefined }, (error, response) =>
        error ? reject(error) : resolve(response),
      ),
    );
  try {
    // Loopback is special-purpose and not allowed here: recorded as not probed, no packet sent.
    const refused = await call("127.0.0.1");
    assert.match(refused.result?.notProbedReason ?? "", /loopback/);
    assert.equal(refused.result?.tcp80, PortState.PORT_STATE_NOT_PROBED);
    await assert.rejects(call("no.such.address"), /INVALID_ARGUMENT|not an IPv4 or IPv6 address/);
  } finally {
    client.close();
    await server.stop();
    prober.close();
  }
});
