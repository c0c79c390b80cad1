// The 3.x line's logs API is part of @opentelemetry/api (≥ 1.10).
import { logs } from '@opentelemetry/api';

export const lineLogger = logs.getLogger('consumer');
