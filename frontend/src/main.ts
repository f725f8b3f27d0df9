import "./styles/base.css";
import "./styles/chat.css";
import "./styles/pages.css";
import { App } from "./app";
import { h } from "./dom";
import { takeKeyFromFragment } from "./preferences";

/** `config.json`, written into the build at deploy time. */
interface Config {
  workerUrl: string;
}

async function loadConfig(): Promise<Config> {
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  const config = (await response.json()) as Partial<Config>;
  return { workerUrl: typeof config.workerUrl === "string" ? config.workerUrl : "" };
}

async function start(): Promise<void> {
  // First, before any request: the key leaves the address bar.
  takeKeyFromFragment();
  let config: Config;
  try {
    config = await loadConfig();
  } catch (error) {
    document.body.replaceChildren(
      h(
        "main",
        { class: "fatal" },
        h("h1", {}, "This build has no worker address"),
        h(
          "p",
          {},
          `The app could not read its config.json (${(error as Error).message}). Deploy it again with the stack.`,
        ),
      ),
    );
    return;
  }
  new App(config.workerUrl).mount(document.body);
}

void start();
