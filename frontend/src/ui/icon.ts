import { svg } from "../dom";

/** Simple line icons (24×24, stroked), drawn here so the app loads nothing from elsewhere. */
const iconPaths = {
  send: "M4 12h14M12 5l7 7-7 7",
  stop: "M7 7h10v10H7z",
  plus: "M12 5v14M5 12h14",
  trash: "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13",
  menu: "M4 6h16M4 12h16M4 18h16",
  sun: "M12 4V2M12 22v-2M4 12H2M22 12h-2M5.6 5.6 4.2 4.2M19.8 19.8l-1.4-1.4M5.6 18.4l-1.4 1.4M19.8 4.2l-1.4 1.4M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8z",
  moon: "M20 14.5A8 8 0 0 1 9.5 4 8 8 0 1 0 20 14.5z",
  retry: "M4 12a8 8 0 0 1 14-5.3L20 9M20 4v5h-5M20 12a8 8 0 0 1-14 5.3L4 15M4 20v-5h5",
  copy: "M9 9h10v11H9zM5 15V4h10",
  chat: "M4 5h16v11H9l-5 4z",
  memory: "M5 4h14v16H5zM9 8h6M9 12h6M9 16h3",
  state: "M12 3l8 5v8l-8 5-8-5V8zM12 3v18M4 8l16 8M20 8L4 16",
  settings: "M4 7h10M18 7h2M4 17h2M10 17h10M14 5v4M6 15v4",
  close: "M6 6l12 12M18 6L6 18",
  download: "M12 4v11M7 10l5 5 5-5M5 20h14",
  check: "M5 12l5 5 9-10",
  edit: "M4 20h4L19 9l-4-4L4 16zM13 7l4 4",
  left: "M15 5l-7 7 7 7",
  right: "M9 5l7 7-7 7",
  pin: "M9 4h6l-1 6 4 4H6l4-4zM12 14v6",
  more: "M5 12h.01M12 12h.01M19 12h.01",
} as const;

export type IconName = keyof typeof iconPaths;

export function icon(name: IconName): SVGSVGElement {
  return svg(
    "svg",
    {
      class: "icon",
      viewBox: "0 0 24 24",
      width: 18,
      height: 18,
      fill: "none",
      stroke: "currentColor",
      "stroke-width": 2,
      "stroke-linecap": "round",
      "stroke-linejoin": "round",
      "aria-hidden": "true",
      focusable: "false",
    },
    svg("path", { d: iconPaths[name] }),
  );
}
