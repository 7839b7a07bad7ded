/// The status page's one stylesheet, served from the binary at `/ui/style.css`. Status colours always come with
/// the status in words (WCAG 1.4.1: colour is never the only signal).
enum Stylesheet {
    static let css = """
        :root { --fg: #1d2430; --muted: #5b6472; --line: #d9dde3; --bg: #f6f7f9; --card: #fff; --accent: #2456c9;
          --ok: #1f7a3a; --ok-bg: #e3f4e8; --warn: #8a5a00; --warn-bg: #fdf1d8; --bad: #a4262c; --bad-bg: #fbe4e5;
          --idle: #4b5563; --idle-bg: #eceff3; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
        header.top { display: flex; align-items: center; gap: 1.5rem; padding: .7rem 1.5rem; background: #14213d; color: #fff; }
        header.top a { color: #dbe4ff; text-decoration: none; }
        header.top a[aria-current] { color: #fff; font-weight: 600; border-bottom: 2px solid #fff; }
        header.top .brand { font-weight: 700; color: #fff; margin-right: 1rem; }
        header.top form { margin-left: auto; }
        main { max-width: 1200px; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
        h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
        h2 { font-size: 1.1rem; margin: 1.4rem 0 .6rem; }
        a { color: var(--accent); }
        .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 1rem; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.1rem; }
        .card h2 { margin-top: 0; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem .9rem; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; }
        form.unlink { display: flex; flex-wrap: wrap; gap: .4em 1em; align-items: center; margin-top: .8em; padding-top: .8em; border-top: 1px solid var(--line); }
        form.unlink label { display: inline-flex; gap: .3em; align-items: center; white-space: nowrap; }
        pre.value { white-space: pre-wrap; word-break: break-word; max-width: 26em; max-height: 10em; overflow: auto; margin: 0; font-size: .85em; }
        table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
        th, td { text-align: left; padding: .5rem .7rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #eef1f5; font-weight: 600; font-size: .85rem; color: var(--muted); }
        tr:last-child td { border-bottom: 0; }
        .badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .82rem; font-weight: 600; white-space: nowrap; }
        .badge::before { content: ""; display: inline-block; width: .5rem; height: .5rem; border-radius: 50%; margin-right: .35rem; background: currentColor; }
        .ok { color: var(--ok); background: var(--ok-bg); }
        .warn { color: var(--warn); background: var(--warn-bg); }
        .bad { color: var(--bad); background: var(--bad-bg); }
        .idle { color: var(--idle); background: var(--idle-bg); }
        .muted, time + .abs { color: var(--muted); font-size: .85rem; }
        .abs { display: block; }
        form.inline { display: inline; }
        button, .button { font: inherit; padding: .35rem .8rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
        button.quiet { background: transparent; color: #dbe4ff; border-color: #5d6b8a; }
        input, select { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 6px; }
        form.filters { display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; margin-bottom: 1rem; }
        form.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
        .notice { padding: .7rem 1rem; border-radius: 8px; margin-bottom: 1rem; border: 1px solid; }
        .login { max-width: 380px; margin: 4rem auto; }
        .login input { width: 100%; margin: .4rem 0 1rem; }
        progress { width: 100%; height: .9rem; }
        ol.timeline { list-style: none; padding: 0; margin: 0; border-left: 3px solid var(--line); }
        ol.timeline li { display: grid; grid-template-columns: 11rem 1fr; gap: 1rem; margin: 0 0 .9rem 0; padding-left: 1rem; }
        ol.timeline li .what { font-weight: 600; margin-right: .4rem; }
        .pager { margin-top: 1rem; }
        code { font-size: .9em; }
        """
}
