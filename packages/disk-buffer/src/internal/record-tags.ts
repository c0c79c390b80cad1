/**
 * Tags and flags of the batch payload (FORMAT.md, "Batch payload"). Do not renumber: they are on
 * disk.
 */

export const CODEC_VERSION = 2;
/** The first codec: strings in place (varint UTF-8 byte length + bytes). Still read. */
export const CODEC_VERSION_INLINE_STRINGS = 1;

// Value tags.
export const T_NULL = 0;
export const T_UNDEFINED = 1;
export const T_FALSE = 2;
export const T_TRUE = 3;
export const T_INT = 4; // zigzag varint, |v| < 2^31
export const T_DOUBLE = 5; // f64 LE
export const T_STRING = 6;
export const T_BYTES = 7;
export const T_ARRAY = 8;
export const T_MAP = 9;
export const T_BIGINT = 10; // decimal string

// Record presence flags.
export const F_SPAN = 1;
export const F_SEVERITY_TEXT = 2;
export const F_SEVERITY_NUMBER = 4;
export const F_BODY = 8;
export const F_EVENT_NAME = 16;
export const F_TRACE_STATE = 32;
export const F_REMOTE = 64;
export const F_TEXT_IDS = 128; // ids that are not 32/16 hex chars are kept as strings

/** HrTime words: bit 31 of the nanoseconds word marks the wide (f64) form. */
export const HR_WIDE = 0x80000000;
