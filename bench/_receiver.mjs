// The OTLP/gRPC receiver of @spillway/testing in a process of its own, so its CPU is not counted
// in the measured process: `node bench/_receiver.mjs` (forked, with IPC) sends `{ url }`, then
// answers 'count' with `{ count }` (records received) and exits on 'stop'. forkReceiver() in
// bench/_shared.mjs starts it.
const { OtlpGrpcLogsReceiver } = await import('@spillway/testing');
const receiver = await new OtlpGrpcLogsReceiver().start();
process.send({ url: receiver.url });
process.on('message', (m) => {
  if (m === 'count') process.send({ count: receiver.records.length });
  if (m === 'stop') void receiver.stop().then(() => process.exit(0));
});
