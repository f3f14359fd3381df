"""The input data contract, as one import: the names other packages use, re-exported
from the modules of the data layer. A face kept while callers move to the modules:

- ``schema``    the tables, columns, kinds, categories, aliases, units; ``schema()``, ``conform()``
- ``files``     finding and reading files (encodings, xlsx title rows, aliases); ``atomic_write``
- ``person``    the national system's person-level export, split and merged
- ``validate``  parsing and every rule; ``errors`` the violations and their messages
- ``masking``   masking in messages, pseudonymisation
- ``dataset``   a whole dataset read and validated; ``cache`` the township cache

The contract in words: ``docs/data-contract.md``.
"""
from __future__ import annotations

from zhenxing.data.cache import (
                                 POOL_PARTIAL,
                                 cache_root,
                                 load_county,
                                 load_township,
                                 partition_stem,
                                 prepare,
                                 stat_key,
                                 township_key,
)
from zhenxing.data.dataset import Dataset, dataset_hash, read_dataset, township_of
from zhenxing.data.errors import StructureError, UnusableDataset, Violation
from zhenxing.data.files import (
                                 Source,
                                 atomic_write,
                                 canonical_columns,
                                 cell_text,
                                 clean_name,
                                 csv_rows,
                                 data_files,
                                 decode_csv,
                                 find_tables,
                                 is_person_header,
                                 norm_col,
                                 person_columns,
                                 read_raw,
                                 scan,
                                 xlsx_rows,
)
from zhenxing.data.masking import mask, mask_name, mask_text, pseudonymise
from zhenxing.data.person import PersonExport, merge_person, read_person
from zhenxing.data.schema import (
                                 ALIASES,
                                 ASSET_CLASSES,
                                 ASSISTANCE_TYPES,
                                 CATEGORIES,
                                 CONTRACT_VERSION,
                                 COUNTY_LEVEL,
                                 DROPPED,
                                 DTYPES,
                                 ELIMINATED_FLAG,
                                 FUND_SOURCES,
                                 HOUSEHOLD_TYPE,
                                 ID_CHECK,
                                 ID_SHAPE,
                                 ID_WEIGHTS,
                                 LABOUR,
                                 LABOUR_FORCE,
                                 LONG_DIGITS,
                                 NO,
                                 OPTIONAL_TABLES,
                                 PER_CAPITA_INCOME,
                                 PERIODS,
                                 PERSON_ALIASES,
                                 PERSON_MARKERS,
                                 PERSON_SIGNATURE,
                                 PROJECT_TYPES,
                                 RECORD_KEY,
                                 REGIONS,
                                 RISK_VARIANTS,
                                 SCHOOL_YEAR,
                                 SEXES,
                                 STAGES,
                                 TABLE_ORDER,
                                 TABLES,
                                 UNIT_YUAN,
                                 YES,
                                 Col,
                                 absent_order,
                                 conform,
                                 null_column,
                                 required_names,
                                 schema,
                                 table_cn,
                                 to_wan,
                                 to_yuan,
                                 unit,
)
from zhenxing.data.validate import PART, Table, convert_table, cross_checks, id_valid, parse_date, parse_number

# Former private names still used outside the data layer (run/batch.py), until callers
# switch to the public ones: _safe → partition_stem, _stat_key → stat_key.
_safe = partition_stem
_stat_key = stat_key

__all__ = [
    # schema
    "ALIASES", "ASSET_CLASSES", "ASSISTANCE_TYPES", "CATEGORIES", "CONTRACT_VERSION", "COUNTY_LEVEL", "DROPPED",
    "DTYPES", "ELIMINATED_FLAG", "FUND_SOURCES", "HOUSEHOLD_TYPE", "ID_CHECK", "ID_SHAPE", "ID_WEIGHTS", "LABOUR",
    "LABOUR_FORCE", "LONG_DIGITS", "NO", "OPTIONAL_TABLES", "PER_CAPITA_INCOME", "PERIODS", "PERSON_ALIASES",
    "PERSON_MARKERS", "PERSON_SIGNATURE", "PROJECT_TYPES", "RECORD_KEY", "REGIONS", "RISK_VARIANTS", "SCHOOL_YEAR",
    "SEXES", "STAGES", "TABLE_ORDER", "TABLES", "UNIT_YUAN", "YES", "Col", "absent_order", "conform", "null_column",
    "required_names", "schema", "table_cn", "to_wan", "to_yuan", "unit",
    # errors, masking
    "StructureError", "UnusableDataset", "Violation", "mask", "mask_name", "mask_text", "pseudonymise",
    # files, person
    "Source", "atomic_write", "canonical_columns", "cell_text", "clean_name", "csv_rows", "data_files",
    "decode_csv", "find_tables", "is_person_header", "norm_col", "person_columns", "read_raw", "scan", "xlsx_rows",
    "PersonExport", "merge_person", "read_person",
    # validate, dataset, cache
    "PART", "Table", "convert_table", "cross_checks", "id_valid", "parse_date", "parse_number",
    "Dataset", "dataset_hash", "read_dataset", "township_of",
    "POOL_PARTIAL", "cache_root", "load_county", "load_township", "partition_stem", "prepare", "stat_key", "township_key",
]
