import type { SeverityClassName } from '@spillway/record-format';
import type { RecordParameters } from '../record-parameters';
import type { ExceptionDraft, JavaEntry } from '../stack-traces';

/** What a template writes: the message, its attributes, and for errors the exception raised. */
export interface RecordDraft {
  body: string;
  /** 2 to 5 attributes; the generator adds `code.namespace`. */
  attributes: Record<string, string | number>;
  /** Set by every ERROR and FATAL template: printed as a stack trace on some records. */
  exception?: ExceptionDraft;
}

/** One kind of log line a service writes, with fresh parameters on every call. */
export type Template = (p: RecordParameters) => RecordDraft;

/** A simulated service: how it logs at each severity, where its code lives, whom it calls. */
export interface Service {
  name: string;
  runtime: { kind: 'java'; entry: JavaEntry } | { kind: 'node' };
  /** `code.namespace` values: the classes or modules that log. */
  namespaces: ReadonlyArray<string>;
  /** The service's own stack frames, outermost last, without `at`. */
  appFrames: ReadonlyArray<string>;
  /** Services a span of this one calls: child spans run there. */
  calls: ReadonlyArray<string>;
  /** At least one template per severity class. */
  templates: Record<SeverityClassName, ReadonlyArray<Template>>;
}
