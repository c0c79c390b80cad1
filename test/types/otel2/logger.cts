// The 2.x line's logs API lives in its own package.
import { logs } from '@opentelemetry/api-logs';

export const lineLogger = logs.getLogger('consumer');
