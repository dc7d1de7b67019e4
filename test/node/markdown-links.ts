import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** A relative link found in a Markdown file, and why it does not resolve (`null` when it does). */
export interface LinkCheck {
  file: string;
  line: number;
  target: string;
  problem: string | null;
}

/** The Markdown files whose links `npm test` holds: the README, every `docs/*.md` and `bench/RESULTS.md`. */
export function documentationFiles(root: string): string[] {
  const docs = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => join(root, "docs", name));
  return [join(root, "README.md"), ...docs, join(root, "bench/RESULTS.md")];
}

/**
 * The text with fenced code blocks (and, with `spans`, inline code spans) blanked out, lines kept so that line numbers
 * hold: a `[x](y)` or a `# heading` inside code is not a link or a heading. Headings keep their code spans: GitHub's
 * anchor includes their text.
 */
function withoutCode(text: string, spans: boolean): string {
  const lines = text.split("\n");
  let fence: string | null = null;
  return lines
    .map((line) => {
      const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence !== null) {
        if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) fence = null;
        return "";
      }
      if (marker !== undefined) {
        fence = marker;
        return "";
      }
      return spans ? line.replace(/(`+)[^`]*?\1/g, "") : line;
    })
    .join("\n");
}

/**
 * The anchor GitHub gives a heading: its text as rendered (code spans, emphasis and link syntax gone), lower-cased,
 * every character that is not a letter, digit, space, `-` or `_` dropped, spaces turned into `-`.
 */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[`*]/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a Markdown file offers: its headings' slugs (a repeated one numbered `-1`, `-2`...), and HTML ids. */
export function anchors(text: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutCode(text, false).split("\n")) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const base = slug(heading);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      found.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const match of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) found.add(match[1]!);
  }
  return found;
}

/** Checks every relative link (`[text](path)`, `[text](path#anchor)`, `[text](#anchor)`) of the given files. */
export function checkLinks(files: readonly string[], root: string): LinkCheck[] {
  const anchorsOf = new Map<string, Set<string>>();
  const anchorsIn = (path: string) => {
    let set = anchorsOf.get(path);
    if (set === undefined) anchorsOf.set(path, (set = anchors(readFileSync(path, "utf8"))));
    return set;
  };
  return files.flatMap((file) =>
    withoutCode(readFileSync(file, "utf8"), true)
      .split("\n")
      .flatMap((text, index) =>
        [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => ({ target: match[1]!, line: index + 1 })),
      )
      .filter(({ target }) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
      .map(({ target, line }) => {
        const [path = "", anchor] = target.split("#", 2);
        const destination = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
        let problem: string | null = null;
        if (!existsSync(destination)) problem = `no such file: ${relative(root, destination)}`;
        else if (anchor !== undefined && destination.endsWith(".md") && !anchorsIn(destination).has(anchor))
          problem = `no heading #${anchor} in ${relative(root, destination)}`;
        return { file: relative(root, file), line, target, problem };
      }),
  );
}
