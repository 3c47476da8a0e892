-- The SQLite schema `Base.metadata.create_all` made before migrations (main at 418e4a8).
CREATE TABLE users (
	id INTEGER NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	password_hash VARCHAR(200) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	disabled BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_users_username ON users (username);

CREATE TABLE rate_events (
	id INTEGER NOT NULL, 
	bucket VARCHAR(200) NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_rate_events_bucket_at ON rate_events (bucket, at);

CREATE TABLE api_tokens (
	id VARCHAR(32) NOT NULL, 
	user_id INTEGER NOT NULL, 
	secret_hash VARCHAR(64) NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	revoked_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);

CREATE INDEX ix_api_tokens_user_id ON api_tokens (user_id);

CREATE TABLE videos (
	id VARCHAR(26) NOT NULL, 
	owner_id INTEGER NOT NULL, 
	title VARCHAR(200) NOT NULL, 
	description TEXT NOT NULL, 
	visibility VARCHAR(16) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	failure_reason TEXT NOT NULL, 
	filename VARCHAR(255) NOT NULL, 
	content_type VARCHAR(100) NOT NULL, 
	source_size BIGINT NOT NULL, 
	source_sha256 VARCHAR(64) NOT NULL, 
	upload_version INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	uploaded_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(owner_id) REFERENCES users (id)
);

CREATE INDEX ix_videos_status ON videos (status);

CREATE INDEX ix_videos_owner_id ON videos (owner_id);

CREATE TABLE upload_sessions (
	video_id VARCHAR(26) NOT NULL, 
	"key" VARCHAR(200) NOT NULL, 
	upload_id VARCHAR(1024), 
	part_size BIGINT NOT NULL, 
	part_count INTEGER NOT NULL, 
	declared_size BIGINT NOT NULL, 
	sha256 VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (video_id), 
	FOREIGN KEY(video_id) REFERENCES videos (id)
);

CREATE TABLE video_progress (
	video_id VARCHAR(26) NOT NULL, 
	percent DOUBLE NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (video_id), 
	FOREIGN KEY(video_id) REFERENCES videos (id) ON DELETE CASCADE
);

CREATE TABLE upload_part_checksums (
	video_id VARCHAR(26) NOT NULL, 
	part_number INTEGER NOT NULL, 
	sha256_b64 VARCHAR(44) NOT NULL, 
	PRIMARY KEY (video_id, part_number), 
	FOREIGN KEY(video_id) REFERENCES upload_sessions (video_id) ON DELETE CASCADE
);

