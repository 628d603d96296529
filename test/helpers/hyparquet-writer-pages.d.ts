// Types for hyparquet-writer's page and footer writers (the v1-page Parquet file in lib-tables.test.ts).
// hyparquet-writer exports ./src/*.js with types in ./types/*.d.ts through its package.json "exports", which the
// project's moduleResolution ("node") does not read: these map the paths by hand (as lib/data/hyparquet-pages.d.ts).
declare module "hyparquet-writer/src/datapage.js" {
  export * from "hyparquet-writer/types/datapage";
}
declare module "hyparquet-writer/src/encoding.js" {
  export * from "hyparquet-writer/types/encoding";
}
declare module "hyparquet-writer/src/metadata.js" {
  export * from "hyparquet-writer/types/metadata";
}
