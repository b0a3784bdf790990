CREATE TABLE "assistants" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"model" text,
	"created_at" bigint,
	"data" text
);
