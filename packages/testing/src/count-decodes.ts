/**
 * `batch` (a disk buffer's stored batch, or anything with `records()`) with its `records()` calls
 * counted: for tests that an exporter taking stored batches sends their bytes without decoding
 * them. The counted batch reads every other field through `batch` itself.
 */
export function countDecodes<B extends { records(): unknown }>(
  batch: B,
): { batch: B; decodes: () => number } {
  let decodes = 0;
  const counted = Object.create(batch) as B;
  counted.records = () => {
    decodes++;
    return batch.records();
  };
  return { batch: counted, decodes: () => decodes };
}
