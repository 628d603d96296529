// Types for hyparquet's page decoders. hyparquet exports ./src/*.js with types in ./types/*.d.ts through its
// package.json "exports", which lib's moduleResolution ("node") does not read: these map the paths by hand.
declare module "hyparquet/src/column.js" {
  export * from "hyparquet/types/column";
}
declare module "hyparquet/src/convert.js" {
  export * from "hyparquet/types/convert";
}
declare module "hyparquet/src/datapage.js" {
  export * from "hyparquet/types/datapage";
}
declare module "hyparquet/src/schema.js" {
  export * from "hyparquet/types/schema";
}
declare module "hyparquet/src/types.js" {
  export * from "hyparquet/src/types";
}
declare module "hyparquet/src/encoding.js" {
  export * from "hyparquet/types/encoding";
}
