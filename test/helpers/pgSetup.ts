import { afterAll } from "vitest";
import { dropMadeDatabases } from "./storeUnderTest.js";

// The PostgreSQL half: every database a test file made is dropped after the file.
afterAll(dropMadeDatabases);
