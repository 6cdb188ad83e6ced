import { Catalog, CatalogBuilder } from "./catalog";
import type { DataEntry } from "./data-entry";
import { readDataFile } from "./data-file";
import { arrayToEntries } from "./data-json";
import { syntheticPatients } from "./synthetic";
import type { SimulatorOptions } from "./types";

/** Vendor examples, then `data`, then `synthetic` generated patients. Throws SANTE_INVALID_INPUT. */
export function buildCatalog(options: Pick<SimulatorOptions, "data" | "synthetic">): Catalog {
  const builder = new CatalogBuilder().addSeed();
  if (typeof options.data === "string") builder.addEntries(readDataFile(options.data));
  else if (options.data !== undefined) builder.addEntries(arrayToEntries(options.data));
  builder.addEntries(syntheticEntries(options.synthetic ?? 0));
  return builder.build();
}

function* syntheticEntries(count: number): Generator<DataEntry> {
  for (const { patientId, studies } of syntheticPatients(count)) {
    for (const study of studies) yield { patientId, study, where: `synthetic patient ${patientId}` };
  }
}
