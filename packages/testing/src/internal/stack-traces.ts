import type { Prng } from './prng';

/** An exception a template raises: its type and message, and the library frames it came from. */
export interface ExceptionDraft {
  type: string;
  message: string;
  /** Frames nearest the throw (inside a library), innermost first, without `at`. */
  frames?: ReadonlyArray<string>;
  cause?: ExceptionDraft;
}

/** Where a JVM thread entered the application: the frames below the application's own. */
export type JavaEntry = 'http' | 'kafka' | 'worker';

const JAVA_ENTRY: Record<JavaEntry, ReadonlyArray<string>> = {
  http: [
    'org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1014)',
    'org.springframework.web.servlet.FrameworkServlet.doPost(FrameworkServlet.java:914)',
    'jakarta.servlet.http.HttpServlet.service(HttpServlet.java:590)',
    'org.apache.catalina.core.ApplicationFilterChain.doFilter(ApplicationFilterChain.java:138)',
    'org.apache.catalina.core.StandardWrapperValve.invoke(StandardWrapperValve.java:165)',
    'org.apache.coyote.http11.Http11Processor.service(Http11Processor.java:397)',
    'org.apache.tomcat.util.net.NioEndpoint$SocketProcessor.doRun(NioEndpoint.java:1769)',
    'java.base/java.lang.Thread.run(Thread.java:1583)',
  ],
  kafka: [
    'org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer.doInvokeRecordListener(KafkaMessageListenerContainer.java:2855)',
    'org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer.pollAndInvoke(KafkaMessageListenerContainer.java:1296)',
    'org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer.run(KafkaMessageListenerContainer.java:1193)',
    'java.base/java.util.concurrent.CompletableFuture$AsyncRun.run(CompletableFuture.java:1804)',
    'java.base/java.lang.Thread.run(Thread.java:1583)',
  ],
  worker: [
    'java.base/java.util.concurrent.FutureTask.run(FutureTask.java:317)',
    'java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1144)',
    'java.base/java.util.concurrent.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:642)',
    'java.base/java.lang.Thread.run(Thread.java:1583)',
  ],
};

const NODE_ENTRY: ReadonlyArray<string> = [
  'process.processTicksAndRejections (node:internal/process/task_queues:105:5)',
  'async Layer.handleRequest (/app/node_modules/router/lib/layer.js:152:17)',
  'async next (/app/node_modules/router/lib/route.js:157:13)',
];

/** A contiguous run of 2 to 5 of the application's frames, as one code path would show. */
function appPath(p: Prng, frames: ReadonlyArray<string>): ReadonlyArray<string> {
  const n = Math.min(frames.length, p.between(2, 5));
  const from = p.int(frames.length - n + 1);
  return frames.slice(from, from + n);
}

/**
 * A JVM stack trace as logback/log4j print it: the exception, library frames, the application's
 * frames, the thread's entry frames, then `Caused by:` with the shared frames elided as
 * `... N more`.
 */
export function javaStackTrace(
  p: Prng,
  ex: ExceptionDraft,
  appFrames: ReadonlyArray<string>,
  entry: JavaEntry,
): string {
  const shared = [...appPath(p, appFrames), ...JAVA_ENTRY[entry]];
  const lines = [`${ex.type}: ${ex.message}`];
  for (const f of [...(ex.frames ?? []), ...shared]) lines.push(`\tat ${f}`);
  for (let cause = ex.cause; cause; cause = cause.cause) {
    lines.push(`Caused by: ${cause.type}: ${cause.message}`);
    for (const f of cause.frames ?? []) lines.push(`\tat ${f}`);
    lines.push(`\t... ${shared.length} more`);
  }
  return lines.join('\n');
}

/** A V8 stack trace as Node prints `err.stack`, with a `[cause]` line when there is one. */
export function nodeStackTrace(
  p: Prng,
  ex: ExceptionDraft,
  appFrames: ReadonlyArray<string>,
): string {
  const lines = [`${ex.type}: ${ex.message}`];
  for (const f of [...(ex.frames ?? []), ...appPath(p, appFrames), ...NODE_ENTRY]) {
    lines.push(`    at ${f}`);
  }
  if (ex.cause) lines.push(`  [cause]: ${ex.cause.type}: ${ex.cause.message}`);
  return lines.join('\n');
}
