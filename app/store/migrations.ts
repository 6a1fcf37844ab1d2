/**
 * Numbered schema migrations. Each entry moves the file from version i to i+1;
 * PRAGMA user_version records the version reached. Append only: never edit a
 * migration that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  /* 1: initial schema */ `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  CREATE TABLE roots (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE
  ) STRICT;

  CREATE TABLE classes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL,
    hotkey TEXT UNIQUE,
    position INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE images (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    root_id INTEGER NOT NULL REFERENCES roots(id),
    path TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    orientation INTEGER NOT NULL DEFAULT 1,
    format TEXT,
    bytes INTEGER NOT NULL DEFAULT 0,
    content_hash TEXT,
    captured_at TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    stats TEXT,
    ingest_error TEXT,
    added_at TEXT NOT NULL,
    UNIQUE (root_id, path)
  ) STRICT;
  CREATE INDEX images_by_path ON images(path, id);
  CREATE INDEX images_by_hash ON images(content_hash);

  CREATE TABLE thumbnails (
    image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    mime TEXT NOT NULL,
    data BLOB NOT NULL
  ) STRICT;

  CREATE TABLE flags (
    id INTEGER PRIMARY KEY,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    score REAL,
    details TEXT NOT NULL DEFAULT '{}'
  ) STRICT;
  CREATE INDEX flags_by_image ON flags(image_id);

  CREATE TABLE annotators (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('human', 'model', 'consensus'))
  ) STRICT;

  CREATE TABLE model_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    model_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    parameters TEXT NOT NULL DEFAULT '{}',
    started_at TEXT NOT NULL,
    finished_at TEXT,
    latency TEXT
  ) STRICT;

  CREATE TABLE boxes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    model_run_id INTEGER REFERENCES model_runs(id),
    class_id INTEGER NOT NULL REFERENCES classes(id),
    x REAL NOT NULL,
    y REAL NOT NULL,
    w REAL NOT NULL CHECK (w > 0),
    h REAL NOT NULL CHECK (h > 0),
    score REAL,
    provenance TEXT NOT NULL DEFAULT 'drawn',
    source_box_id INTEGER
  ) STRICT;
  CREATE INDEX boxes_by_image ON boxes(image_id, annotator_id);
  CREATE INDEX boxes_by_class ON boxes(class_id);

  CREATE TABLE assignments (
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    status TEXT NOT NULL CHECK (status IN ('todo', 'in_progress', 'done', 'skipped')),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (image_id, annotator_id)
  ) STRICT;

  CREATE TABLE edits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('edit', 'undo', 'redo')),
    target_edit_id INTEGER REFERENCES edits(id),
    state TEXT NOT NULL CHECK (state IN ('applied', 'undone', 'dropped', 'log')),
    diff TEXT NOT NULL
  ) STRICT;
  CREATE INDEX edits_by_image ON edits(image_id, annotator_id, state, id);

  CREATE TABLE import_failures (
    id INTEGER PRIMARY KEY,
    root_id INTEGER NOT NULL REFERENCES roots(id),
    path TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (root_id, path)
  ) STRICT;
  `,
  /* 2: detection models and what each run has done */ `
  CREATE TABLE models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    info TEXT NOT NULL,
    class_map TEXT NOT NULL,
    latency TEXT,
    added_at TEXT NOT NULL
  ) STRICT;

  ALTER TABLE model_runs ADD COLUMN model_id INTEGER REFERENCES models(id);
  CREATE INDEX model_runs_by_model ON model_runs(model_id, parameters);

  CREATE TABLE run_images (
    model_run_id INTEGER NOT NULL REFERENCES model_runs(id) ON DELETE CASCADE,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('done', 'failed')),
    error TEXT,
    boxes INTEGER NOT NULL DEFAULT 0,
    at TEXT NOT NULL,
    PRIMARY KEY (model_run_id, image_id)
  ) STRICT;
  CREATE INDEX boxes_by_run ON boxes(model_run_id, image_id);
  `,
  /* 3: the review workspace: where a done mark came from, rejected predictions, per-person settings, queue indexes */ `
  -- Until now only label imports could mark an image done, so every existing mark came from one.
  ALTER TABLE assignments ADD COLUMN origin TEXT NOT NULL DEFAULT 'review' CHECK (origin IN ('review', 'import'));
  UPDATE assignments SET origin = 'import';
  CREATE INDEX assignments_by_annotator ON assignments(annotator_id, status, image_id);

  CREATE TABLE rejections (
    box_id INTEGER NOT NULL REFERENCES boxes(id) ON DELETE CASCADE,
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    PRIMARY KEY (box_id, annotator_id)
  ) STRICT;

  CREATE TABLE settings (
    annotator_id INTEGER NOT NULL REFERENCES annotators(id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (annotator_id, key)
  ) STRICT;

  CREATE INDEX flags_by_reason ON flags(reason, image_id);
  CREATE INDEX boxes_by_class_image ON boxes(class_id, image_id);
  CREATE INDEX predictions_by_score ON boxes(score, image_id) WHERE model_run_id IS NOT NULL;
  `,
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
