import type { NodeType } from '@flowstate/sdk';
import { dataAggregate } from './aggregate.js';
import { cryptoHash, cryptoHmac } from './crypto.js';
import { csvBuild } from './csv-build.js';
import { csvParse } from './csv-parse.js';
import { datetimeFormat } from './datetime.js';
import { dataDedupe } from './dedupe.js';
import { dataFilter } from './filter.js';
import { dataSort } from './sort.js';
import { dataSplit } from './split.js';

export { dataAggregate, dataDedupe, dataFilter, dataSort, dataSplit };
export { csvBuild, csvParse, cryptoHash, cryptoHmac, datetimeFormat };
export { buildCsv, csvBuildOptions, type CsvBuildOptions } from './csv-build.js';
export {
  CsvParseError,
  csvParseOptions,
  parseCsv,
  sniffDelimiter,
  type CsvParseOptions,
} from './csv-parse.js';

/** The data nodes: list operations, CSV, dates and hashing. All pure. */
export const dataNodes: readonly NodeType<any>[] = [
  dataFilter,
  dataSort,
  dataDedupe,
  dataAggregate,
  dataSplit,
  csvParse,
  csvBuild,
  datetimeFormat,
  cryptoHash,
  cryptoHmac,
];
