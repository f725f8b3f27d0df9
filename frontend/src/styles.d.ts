/** esbuild bundles imported CSS into app.css; the import gives the script nothing. */
declare module "*.css";
