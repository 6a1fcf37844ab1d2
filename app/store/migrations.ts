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
  /* 4: queue indexes: predictions covered, image ids in id order, metadata tags; one redundant box index fewer */ `
  -- A partial index covers a query only if it holds every column the query names, the
  -- condition's own model_run_id included; without it each entry cost a table row read.
  DROP INDEX predictions_by_score;
  CREATE INDEX predictions_by_score ON boxes(score, image_id, model_run_id) WHERE model_run_id IS NOT NULL;
  -- An image's best prediction (score order) and whether it has one in a score range: one seek each.
  CREATE INDEX predictions_by_image ON boxes(image_id, score, model_run_id) WHERE model_run_id IS NOT NULL;
  -- boxes_by_class_image (class_id, image_id) serves every lookup by class.
  DROP INDEX boxes_by_class;
  -- The narrowest walk over every image in id order, with its path for sorting: in the
  -- order of the image_id-led indexes a filter seeks in, so those seeks read them in order.
  CREATE INDEX images_by_id ON images(id, path);

  -- Each image's top-level metadata entries as key and value text, the same text as
  -- metadataEquals in app/store/metadataFilter.ts compares, kept by triggers (metadata is
  -- written on import and by setMetadata): a metadata filter reads its images off the
  -- primary key instead of parsing every image's JSON. Metadata that is not a JSON
  -- object has no entries here (metadataEquals matches nothing in it either).
  CREATE TABLE image_tags (
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    PRIMARY KEY (key, value, image_id)
  ) STRICT;
  CREATE INDEX image_tags_by_image ON image_tags(image_id);
  INSERT OR IGNORE INTO image_tags (key, value, image_id)
    SELECT t.key, t.value, t.image_id FROM (
      SELECT m.key AS key, CASE m.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(m.value AS TEXT) END AS value, i.id AS image_id
      FROM images i, json_each(CASE WHEN json_valid(i.metadata) THEN CASE WHEN json_type(i.metadata) = 'object' THEN i.metadata END END) AS m
    ) AS t WHERE t.value IS NOT NULL;
  CREATE TRIGGER image_tags_insert AFTER INSERT ON images BEGIN
    INSERT OR IGNORE INTO image_tags (key, value, image_id)
      SELECT t.key, t.value, new.id FROM (
        SELECT m.key AS key, CASE m.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(m.value AS TEXT) END AS value
        FROM json_each(CASE WHEN json_valid(new.metadata) THEN CASE WHEN json_type(new.metadata) = 'object' THEN new.metadata END END) AS m
      ) AS t WHERE t.value IS NOT NULL;
  END;
  CREATE TRIGGER image_tags_update AFTER UPDATE OF metadata ON images BEGIN
    DELETE FROM image_tags WHERE image_id = old.id;
    INSERT OR IGNORE INTO image_tags (key, value, image_id)
      SELECT t.key, t.value, new.id FROM (
        SELECT m.key AS key, CASE m.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(m.value AS TEXT) END AS value
        FROM json_each(CASE WHEN json_valid(new.metadata) THEN CASE WHEN json_type(new.metadata) = 'object' THEN new.metadata END END) AS m
      ) AS t WHERE t.value IS NOT NULL;
  END;
  `,
  /* 5: each image's queue sort keys, kept by triggers, so score and priority order walk an index */ `
  -- best_score: the max score of the image's predictions (boxes with a model run; NULL scores
  -- ignored), -1 when none. priority: the sum of its flags' scores, 0 when none. path is
  -- copied so each order's index holds its whole key (path, then id, break ties).
  CREATE TABLE image_rank (
    image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    best_score REAL NOT NULL DEFAULT -1,
    priority REAL NOT NULL DEFAULT 0,
    path TEXT NOT NULL
  ) STRICT;
  INSERT INTO image_rank (image_id, best_score, priority, path)
    SELECT i.id,
      coalesce((SELECT max(b.score) FROM boxes b INDEXED BY predictions_by_image WHERE b.image_id = i.id AND b.model_run_id IS NOT NULL), -1),
      coalesce((SELECT sum(f.score) FROM flags f WHERE f.image_id = i.id), 0),
      i.path
    FROM images i;
  CREATE INDEX image_rank_by_score ON image_rank(best_score, path, image_id);
  CREATE INDEX image_rank_by_priority ON image_rank(priority DESC, path, image_id);

  CREATE TRIGGER image_rank_image_insert AFTER INSERT ON images BEGIN
    INSERT INTO image_rank (image_id, path) VALUES (new.id, new.path);
  END;
  CREATE TRIGGER image_rank_image_path AFTER UPDATE OF path ON images BEGIN
    UPDATE image_rank SET path = new.path WHERE image_id = new.id;
  END;
  -- The foreign key removes the row too; this also holds with foreign_keys off.
  CREATE TRIGGER image_rank_image_delete AFTER DELETE ON images BEGIN
    DELETE FROM image_rank WHERE image_id = old.id;
  END;

  -- A new prediction raises the best score by a primary-key update. Only when the image had
  -- none (-1) and the new score is below -1 is the max recomputed, by a seek of predictions_by_image.
  CREATE TRIGGER image_rank_box_insert AFTER INSERT ON boxes
  WHEN new.model_run_id IS NOT NULL AND new.score IS NOT NULL BEGIN
    UPDATE image_rank SET best_score = CASE WHEN best_score < new.score THEN new.score ELSE
        coalesce((SELECT max(b.score) FROM boxes b INDEXED BY predictions_by_image WHERE b.image_id = new.image_id AND b.model_run_id IS NOT NULL), -1) END
      WHERE image_id = new.image_id AND (best_score < new.score OR (best_score = -1 AND new.score < -1));
  END;
  -- Removing the best prediction recomputes the max by a seek; any other leaves it as it is.
  CREATE TRIGGER image_rank_box_delete AFTER DELETE ON boxes
  WHEN old.model_run_id IS NOT NULL AND old.score IS NOT NULL BEGIN
    UPDATE image_rank SET best_score =
        coalesce((SELECT max(b.score) FROM boxes b INDEXED BY predictions_by_image WHERE b.image_id = old.image_id AND b.model_run_id IS NOT NULL), -1)
      WHERE image_id = old.image_id AND best_score <= old.score;
  END;
  CREATE TRIGGER image_rank_box_update AFTER UPDATE OF image_id, model_run_id, score ON boxes
  WHEN old.model_run_id IS NOT NULL OR new.model_run_id IS NOT NULL BEGIN
    UPDATE image_rank SET best_score =
        coalesce((SELECT max(b.score) FROM boxes b INDEXED BY predictions_by_image WHERE b.image_id = image_rank.image_id AND b.model_run_id IS NOT NULL), -1)
      WHERE image_id IN (old.image_id, new.image_id);
  END;

  CREATE TRIGGER image_rank_flag_insert AFTER INSERT ON flags BEGIN
    UPDATE image_rank SET priority = coalesce((SELECT sum(f.score) FROM flags f WHERE f.image_id = new.image_id), 0) WHERE image_id = new.image_id;
  END;
  CREATE TRIGGER image_rank_flag_delete AFTER DELETE ON flags BEGIN
    UPDATE image_rank SET priority = coalesce((SELECT sum(f.score) FROM flags f WHERE f.image_id = old.image_id), 0) WHERE image_id = old.image_id;
  END;
  CREATE TRIGGER image_rank_flag_update AFTER UPDATE OF image_id, score ON flags BEGIN
    UPDATE image_rank SET priority = coalesce((SELECT sum(f.score) FROM flags f WHERE f.image_id = image_rank.image_id), 0)
      WHERE image_id IN (old.image_id, new.image_id);
  END;
  `,
  /* 6: when a lead assigned an image to a person */ `
  -- Set by an assignment (assign:run); NULL for the rows a person's work or a label import made.
  ALTER TABLE assignments ADD COLUMN assigned_at TEXT;
  -- A person's assigned images in id order (their queue, whether they have any); whether an image is
  -- assigned to anyone is a seek of the primary key, since an image has few rows.
  CREATE INDEX assignments_assigned ON assignments(annotator_id, image_id) WHERE assigned_at IS NOT NULL;
  `,
  /* 7: each image's agreement between people, as the last agreement report computed it */ `
  -- Written by the agreement report job in one transaction; the queue's agreement order reads it, worst first.
  CREATE TABLE image_agreement (
    image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
    agreement REAL NOT NULL,
    people INTEGER NOT NULL,
    computed_at TEXT NOT NULL,
    iou REAL NOT NULL
  ) STRICT;
  CREATE INDEX image_agreement_by_agreement ON image_agreement(agreement, image_id);
  `,
  /* 8: per-project weights of flag reasons; priority = the sum over an image's flags of weight(reason) × score */ `
  -- A reason with no row weighs 1. Changing a weight re-ranks the images flagged for that reason.
  CREATE TABLE flag_weights (
    reason TEXT PRIMARY KEY,
    weight REAL NOT NULL CHECK (weight >= 0)
  ) STRICT;
  DROP TRIGGER image_rank_flag_insert;
  DROP TRIGGER image_rank_flag_delete;
  DROP TRIGGER image_rank_flag_update;
  CREATE TRIGGER image_rank_flag_insert AFTER INSERT ON flags BEGIN
    UPDATE image_rank SET priority = coalesce((SELECT sum(f.score * coalesce((SELECT w.weight FROM flag_weights w WHERE w.reason = f.reason), 1)) FROM flags f WHERE f.image_id = new.image_id), 0) WHERE image_id = new.image_id;
  END;
  CREATE TRIGGER image_rank_flag_delete AFTER DELETE ON flags BEGIN
    UPDATE image_rank SET priority = coalesce((SELECT sum(f.score * coalesce((SELECT w.weight FROM flag_weights w WHERE w.reason = f.reason), 1)) FROM flags f WHERE f.image_id = old.image_id), 0) WHERE image_id = old.image_id;
  END;
  CREATE TRIGGER image_rank_flag_update AFTER UPDATE OF image_id, score, reason ON flags BEGIN
    UPDATE image_rank SET priority = coalesce((SELECT sum(f.score * coalesce((SELECT w.weight FROM flag_weights w WHERE w.reason = f.reason), 1)) FROM flags f WHERE f.image_id = image_rank.image_id), 0)
      WHERE image_id IN (old.image_id, new.image_id);
  END;
  CREATE TRIGGER image_rank_weight_insert AFTER INSERT ON flag_weights BEGIN
    UPDATE image_rank SET priority = coalesce((SELECT sum(f.score * coalesce((SELECT w.weight FROM flag_weights w WHERE w.reason = f.reason), 1)) FROM flags f WHERE f.image_id = image_rank.image_id), 0)
      WHERE image_id IN (SELECT image_id FROM flags INDEXED BY flags_by_reason WHERE reason = new.reason);
  END;
  CREATE TRIGGER image_rank_weight_update AFTER UPDATE ON flag_weights BEGIN
    UPDATE image_rank SET priority = coalesce((SELECT sum(f.score * coalesce((SELECT w.weight FROM flag_weights w WHERE w.reason = f.reason), 1)) FROM flags f WHERE f.image_id = image_rank.image_id), 0)
      WHERE image_id IN (SELECT image_id FROM flags INDEXED BY flags_by_reason WHERE reason IN (old.reason, new.reason));
  END;
  CREATE TRIGGER image_rank_weight_delete AFTER DELETE ON flag_weights BEGIN
    UPDATE image_rank SET priority = coalesce((SELECT sum(f.score * coalesce((SELECT w.weight FROM flag_weights w WHERE w.reason = f.reason), 1)) FROM flags f WHERE f.image_id = image_rank.image_id), 0)
      WHERE image_id IN (SELECT image_id FROM flags INDEXED BY flags_by_reason WHERE reason = old.reason);
  END;
  `,
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;
