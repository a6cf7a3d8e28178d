// Browser tests: the real web build, served by the real carecircle-server (demo data, fresh
// data dir, 127.0.0.1:0), driven in Debian's Chromium through playwright-core at phone size.
// Screenshots of every main screen go to target/screenshots/ on every run.
//
//   node run.mjs                      uses target/debug/carecircle-server and app/dist
//   CARECIRCLE_SERVER_BIN=... node run.mjs
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const shots = join(root, "target", "screenshots");
const serverBin = process.env.CARECIRCLE_SERVER_BIN ?? join(root, "target/debug/carecircle-server");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const PASSWORD = "carecircle-demo";
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  locale: "en-AU", timezoneId: "Australia/Sydney" };
const WAIT = 30_000;

mkdirSync(shots, { recursive: true });

// ---- the server -------------------------------------------------------------------------
async function startServer() {
  const dataDir = mkdtempSync(join(tmpdir(), "carecircle-browser-"));
  const child = spawn(serverBin, ["--demo", "--listen", "127.0.0.1:0", "--data-dir", dataDir,
    "--web-dir", join(root, "app/dist")], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((ok, fail) => {
    let out = "";
    child.on("exit", (code) => fail(new Error(`server exited (${code}) before listening`)));
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) ok(m[1]);
    });
  });
  return { url, stop: () => { child.kill("SIGTERM"); rmSync(dataDir, { recursive: true, force: true }); } };
}

// ---- helpers ----------------------------------------------------------------------------
const results = [];
let testStarted = Date.now();
// A step's time within its test, so a slow step stands out in the log.
const mark = (what) => console.log(`  ${String(Date.now() - testStarted).padStart(6)} ms  ${what}`);
async function test(name, fn) {
  const started = Date.now();
  testStarted = started;
  try {
    await fn();
    results.push([name, "ok", Date.now() - started]);
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push([name, "FAILED", Date.now() - started]);
    const n = name.split(".")[0];
    for (const [who, p] of Object.entries(people)) {
      await p.page.screenshot({ path: join(shots, `failed-${n}-${who}.png`), fullPage: true }).catch(() => {});
    }
    console.log(`FAIL ${name}\n${e.stack ?? e}`);
  }
}

// The demo's appointments are seeded relative to the server's day (UTC+11); a browser whose
// clock says 08:00 that day sees them all as today's or upcoming, whenever the tests run.
function demoMorning() {
  const day = new Intl.DateTimeFormat("en-CA", { timeZone: "Etc/GMT-11" }).format(new Date());
  return new Date(`${day}T08:00:00+11:00`);
}

// Anything the page's content security policy refused, across every page of the run.
const cspViolations = [];
async function phone(browser, { morning = false } = {}) {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  if (morning) await page.clock.setFixedTime(demoMorning());
  page.on("pageerror", (e) => console.log(`  page error: ${e.message}`));
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return { context, page };
}

async function signIn(page, url, username) {
  await page.goto(url);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Today" }).waitFor({ timeout: WAIT });
  mark(`${username} signed in`);
  await synced(page);
  mark(`${username} synced`);
}

const status = (page) => page.locator("#sync-status");
async function synced(page) {
  await status(page).filter({ hasText: /Synced at \d\d:\d\d/ }).waitFor({ timeout: WAIT });
}

async function tab(page, name) {
  // A written copy is a print view without the tab bar: its Back button leaves it.
  if (await page.locator("main.printable").count()) await page.getByRole("button", { name: "Back", exact: true }).click();
  await page.getByRole("navigation", { name: "Main" }).getByRole("button", { name }).click();
}

// The consumer shares (or withdraws) the plan with Sam from the consent table.
async function planAccess(page, value) {
  await more(page, /^Circle/);
  const select = page.getByLabel("Sam Rivera: Plan");
  await select.waitFor({ timeout: WAIT });
  await select.selectOption(value);
  await page.waitForFunction((v) => {
    const s = [...document.querySelectorAll("select")].find((x) => x.getAttribute("aria-label") === "Sam Rivera: Plan");
    return s && s.value === v && !document.querySelector(".banner.error");
  }, value);
}

async function more(page, name) {
  await tab(page, "More");
  await page.getByRole("button", { name }).click();
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

// Touch targets: every button, link styled as a button, select and text input at least 44 px
// high and wide (checkboxes sit in a 44 px row whose label toggles them).
async function smallTargets(page, screen) {
  const small = await page.evaluate(() =>
    [...document.querySelectorAll("button, a.button, select, input:not([type=checkbox]), textarea, summary")]
      .filter((el) => el.offsetParent !== null)
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.height < 44 || r.width < 44)
      .map(({ el, r }) => `${el.tagName.toLowerCase()} "${(el.innerText || el.getAttribute("aria-label") || el.id).slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`));
  return small.map((s) => `${screen}: small target ${s}`);
}

// axe-core in the page: any violation fails the test.
async function accessible(page, screen) {
  // Evaluated through the DevTools protocol: an injected <script> tag would be (rightly)
  // refused by the page's content security policy.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }));
  });
  for (const v of found) console.log(`  axe ${screen}: ${v.impact} ${v.id} ${v.nodes.join(", ")}`);
  return found.map((v) => `${screen}: ${v.impact} ${v.id}`);
}

// ---- the tests --------------------------------------------------------------------------
const server = await startServer();
console.log(`server ${server.url}`);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const noteText = `Sam's note written offline ${Date.now()}`;
const consumer = await phone(browser, { morning: true });
const carer = await phone(browser);
const manager = await phone(browser);
// Whose screens a failed test photographs.
const people = { consumer, carer, manager };

try {
  await test("1. the consumer signs in and sees today's appointments and who to call", async () => {
    const { page } = consumer;
    await page.goto(server.url);
    await shot(page, "01-start");
    await signIn(page, server.url, "alex");
    const today = page.getByRole("region", { name: "Today's appointments" });
    await today.getByRole("button").first().waitFor();
    assert.ok((await today.getByRole("button").count()) >= 1, "an appointment today");
    const call = page.getByRole("region", { name: "Who to call if something goes wrong" });
    const links = call.getByRole("link", { name: /^Call / });
    assert.ok((await links.count()) >= 1, "someone to call");
    assert.match(await links.first().getAttribute("href"), /^tel:\+?\d+/);
    await shot(page, "02-today-consumer");
  });

  await test("2. the carer adds a note offline, reloads offline, and it syncs when back online", async () => {
    const { context, page } = carer;
    await signIn(page, server.url, "sam");
    // The service worker must control the page before going offline.
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Today" }).waitFor({ timeout: WAIT });
    await page.evaluate(async () => {
      for (let i = 0; i < 50 && !navigator.serviceWorker.controller; i++) await new Promise((r) => setTimeout(r, 100));
    });
    await context.setOffline(true);
    // The status says so at once (the browser's offline event), before any request fails.
    await status(page).filter({ hasText: /Offline/ }).waitFor({ timeout: 2_000 });
    mark("offline shown at once");
    await tab(page, "Notes");
    await page.getByLabel("Note", { exact: true }).fill(noteText);
    await page.getByRole("button", { name: "Save note" }).click();
    await page.getByText(noteText).waitFor();
    await status(page).filter({ hasText: /1 change waiting/ }).waitFor({ timeout: WAIT });
    await shot(page, "03-notes-offline");
    // A reload (offline) opens the screen it was on.
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Notes" }).waitFor({ timeout: WAIT });
    await tab(page, "Notes");
    await page.getByText(noteText).waitFor({ timeout: WAIT });
    await status(page).filter({ hasText: /Offline/ }).waitFor({ timeout: WAIT });
    mark("note kept across an offline reload");
    await context.setOffline(false);
    await synced(page);
    mark("back online and synced");
    assert.doesNotMatch(await status(page).innerText(), /waiting/);
    await shot(page, "04-notes-synced");
  });

  await test("3. the case manager syncs and sees the carer's note with the carer's name", async () => {
    const { page } = manager;
    await signIn(page, server.url, "jordan");
    await tab(page, "Notes");
    const note = page.getByRole("listitem").filter({ hasText: noteText });
    await note.waitFor({ timeout: WAIT });
    mark("the carer's note is there");
    await note.getByText("Sam Rivera").waitFor({ timeout: WAIT });
    mark("with the carer's name");
    await shot(page, "05-notes-case-manager");
    // Names are kept on the device: offline, after a reload, the author is still named.
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Notes" }).waitFor({ timeout: WAIT });
    await manager.context.setOffline(true);
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Notes" }).waitFor({ timeout: WAIT });
    await tab(page, "Notes");
    await page.getByRole("listitem").filter({ hasText: noteText }).getByText("Sam Rivera").waitFor({ timeout: WAIT });
    mark("offline after a reload, still named");
    await manager.context.setOffline(false);
    await more(page, /^What's changed/);
    await page.getByRole("listitem").filter({ hasText: "Added a note" }).filter({ hasText: "Sam Rivera" }).first().waitFor({ timeout: WAIT });
    await shot(page, "06-changes-case-manager");
  });

  await test("4. the consumer withdraws the carer's plan access; the carer's copy goes, with a reason", async () => {
    const { page } = consumer;
    // The plan is not shared with carers by default: Alex shares it with Sam first.
    await planAccess(page, "read");
    mark("plan shared with the carer");
    await carer.page.getByRole("button", { name: "Sync now" }).click();
    await synced(carer.page);
    mark("carer synced");
    await more(carer.page, /^Plan$/);
    await carer.page.getByRole("heading", { name: "Goals" }).waitFor({ timeout: WAIT });
    mark("carer reads the plan");
    await shot(carer.page, "07-plan-shared-with-carer");
    await planAccess(page, "none");
    mark("plan withdrawn");
    await shot(page, "08-circle-consent");
    await carer.page.getByRole("button", { name: "Sync now" }).click();
    await carer.page.getByRole("alert").filter({ hasText: "Your access to the plan was withdrawn" }).waitFor({ timeout: WAIT });
    mark("carer told");
    await carer.page.getByText("The plan is not on this device").waitFor({ timeout: WAIT });
    assert.equal(await carer.page.getByRole("heading", { name: "Goals" }).count(), 0, "plan content gone");
    await shot(carer.page, "09-plan-withdrawn-carer");
  });

  await test("6. a double tap saves one referral and makes one invite; a read-only carer sees no appointment edits", async () => {
    const { page } = manager;
    await more(page, /^Plan$/);
    const agency = `Housing support ${Date.now()}`;
    await page.getByLabel("Service referred to").fill(agency);
    await page.getByLabel("Why", { exact: true }).fill("Looking for a stable place to live");
    await page.getByRole("button", { name: "Save referral" }).dblclick();
    await page.getByRole("listitem").filter({ hasText: agency }).first().waitFor({ timeout: WAIT });
    await page.waitForTimeout(500);
    assert.equal(await page.getByRole("listitem").filter({ hasText: agency }).count(), 1, "one referral");
    assert.equal(await page.getByLabel("Service referred to").inputValue(), "", "the form is ready for the next one");
    mark("double tap: one referral");
    // Edited in place, then removed (asked first).
    await page.getByRole("button", { name: `Edit the referral to ${agency}` }).click();
    const edit = page.locator("form").filter({ has: page.getByRole("heading", { name: "Edit the referral" }) });
    await edit.getByLabel("Why").fill("Somewhere near family");
    await edit.getByRole("button", { name: "Save referral" }).click();
    const item = page.getByRole("listitem").filter({ hasText: agency });
    await item.filter({ hasText: "Somewhere near family" }).waitFor({ timeout: WAIT });
    assert.equal(await item.count(), 1, "still one referral");
    await item.getByRole("button", { name: "Remove" }).click();
    await page.getByRole("button", { name: "Yes, remove it" }).click();
    await item.first().waitFor({ state: "detached", timeout: WAIT });
    mark("referral edited in place, then removed");
    // The consumer double-taps "Create an invite code": one new invite.
    const c = consumer.page;
    await more(c, /^Circle/);
    const invites = c.getByRole("button", { name: "Cancel this invite" });
    const before = await invites.count();
    await c.getByRole("button", { name: "Create an invite code" }).dblclick();
    await c.locator(".invite .code").waitFor({ timeout: WAIT });
    await c.waitForTimeout(1000);
    assert.equal(await invites.count(), before + 1, "one invite");
    mark("double tap: one invite");
    await shot(c, "10-one-invite-after-double-tap");
    // Sam (a carer: appointments and the team are read-only) opens an appointment.
    const s = carer.page;
    await tab(s, "Appointments");
    await s.locator("button.row.appointment").first().click();
    await s.getByRole("heading", { name: "Where" }).waitFor({ timeout: WAIT });
    for (const control of ["Edit details", "Reschedule", "I have double-checked it", "Cancel appointment"]) {
      assert.equal(await s.getByRole("button", { name: control }).count(), 0, `${control} not offered`);
    }
    await shot(s, "11-appointment-read-only-carer");
    mark("no write controls for a read-only carer");
    // A 25,000-character paste into a note: refused, the text kept, nothing saved.
    await tab(s, "Notes");
    const long = "x".repeat(25_000);
    const field = s.getByLabel("Note", { exact: true });
    await field.fill(long);
    await s.getByText("5000 too many").waitFor({ timeout: WAIT });
    await s.getByRole("button", { name: "Save note" }).click();
    await s.waitForTimeout(300);
    assert.equal((await field.inputValue()).length, 25_000, "the text stays");
    assert.equal(await s.getByRole("listitem").filter({ hasText: "xxxxxxxxxx" }).count(), 0, "nothing saved");
    await shot(s, "12-note-over-the-limit");
    mark("25,000 characters refused, text kept");
    // An appointment that ends before it starts: the form stays, with its text and the reason.
    const m = manager.page;
    await tab(m, "Appointments");
    await m.getByRole("button", { name: "Add an appointment" }).click();
    await m.getByLabel("What is it for?").fill("Dietitian");
    await m.getByLabel("Starts").fill("2027-04-10T10:00");
    await m.getByLabel("Ends").fill("2027-04-10T09:00");
    await m.getByRole("button", { name: "Save", exact: true }).click();
    // Said beside the field it is about, which is marked invalid and described by it.
    await m.locator("#end-error").filter({ hasText: "The end is before the start." }).waitFor({ timeout: WAIT });
    assert.equal(await m.getByLabel("Ends").getAttribute("aria-invalid"), "true");
    assert.match(await m.getByLabel("Ends").getAttribute("aria-describedby"), /end-error/);
    assert.equal(await m.getByLabel("What is it for?").inputValue(), "Dietitian", "the text stays");
    await shot(m, "13-appointment-end-before-start");
    mark("end before start: the form stays with its text");
    // A purpose over the limit: refused beside it, before anything is sent, the text kept.
    await m.getByLabel("Ends").fill("2027-04-10T11:00");
    const longPurpose = "Dietitian ".repeat(60);
    await m.getByLabel("What is it for?").fill(longPurpose);
    await m.getByRole("button", { name: "Save", exact: true }).click();
    await m.locator("#purpose-error").filter({ hasText: /longer than/ }).waitFor({ timeout: WAIT });
    assert.equal(await m.locator("#end-error").count(), 0, "the end is fine now");
    assert.equal(await m.getByLabel("What is it for?").inputValue(), longPurpose, "the text stays");
    await shot(m, "13b-appointment-purpose-too-long");
    mark("purpose over the limit: said beside it, text kept");
    // Cancelling asks first; "No, keep it" changes nothing.
    await m.getByRole("button", { name: "Back without saving" }).click();
    await m.locator("button.row.appointment").first().click();
    await m.getByRole("button", { name: "Cancel appointment" }).click();
    await m.getByRole("button", { name: "Yes, cancel it" }).waitFor({ timeout: WAIT });
    await shot(m, "14-cancel-asks-first");
    await m.getByRole("button", { name: "No, keep it" }).click();
    await m.getByRole("button", { name: "Cancel appointment" }).waitFor({ timeout: WAIT });
    assert.equal(await m.locator(".badge").filter({ hasText: "Cancelled" }).count(), 0, "not cancelled");
    mark("cancel asks first");
  });

  await test("7. a stalled server (requests never answered) does not stop a note being saved", async () => {
    const { page } = carer;
    // Every API request from now on is held: accepted, never answered.
    const held = [];
    await page.route("**/v1/**", (route) => { held.push(route); });
    await page.getByRole("button", { name: "Sync now" }).click();
    await status(page).filter({ hasText: /Syncing/ }).waitFor({ timeout: WAIT });
    assert.ok(held.length > 0, "a request is on its way");
    await tab(page, "Notes");
    const text = `Written while the server hangs ${Date.now()}`;
    await page.getByLabel("Note", { exact: true }).fill(text);
    await page.getByRole("button", { name: "Save note" }).click();
    // Saved and shown while the request still hangs (its timeout is 30 s away).
    await page.getByRole("listitem").filter({ hasText: text }).waitFor({ timeout: 10_000 });
    await status(page).filter({ hasText: /1 change waiting/ }).waitFor({ timeout: 10_000 });
    assert.match(await status(page).innerText(), /Syncing/, "the request is still on its way");
    assert.equal(await page.getByLabel("Note", { exact: true }).inputValue(), "", "the form is ready for the next");
    await shot(page, "15-note-saved-while-the-server-hangs");
    mark("saved and shown as waiting while a request hangs");
    // The network fails the held requests: offline, then the retry delivers the note.
    await page.unroute("**/v1/**");
    for (const r of held) await r.abort("connectionfailed").catch(() => {});
    await synced(page);
    assert.doesNotMatch(await status(page).innerText(), /waiting/);
    mark("delivered once the server answers");
    const m = manager.page;
    await m.getByRole("button", { name: "Sync now" }).click();
    await synced(m);
    await tab(m, "Notes");
    await m.getByText(text).waitFor({ timeout: WAIT });
    mark("the case manager has it");
  });

  await test("8. two tabs of the app in one browser both edit, and everything reaches the server", async () => {
    const { context, page: first } = consumer;
    const second = await context.newPage();
    await second.clock.setFixedTime(demoMorning());
    second.on("pageerror", (e) => console.log(`  page error (second tab): ${e.message}`));
    await second.goto(server.url);
    await second.getByRole("heading", { level: 1, name: "Today" }).waitFor({ timeout: WAIT });
    await synced(second);
    mark("second tab open, signed in from the shared store");
    const stamp = Date.now();
    const notes = [];
    // Alternating saves from both tabs, before either syncs what the other wrote.
    for (const [i, page] of [first, second, first, second].entries()) {
      await tab(page, "Notes");
      const text = `Tab ${page === first ? "one" : "two"} note ${i} ${stamp}`;
      await page.getByLabel("Note", { exact: true }).fill(text);
      await page.getByRole("button", { name: "Save note" }).click();
      await page.getByRole("listitem").filter({ hasText: text }).waitFor({ timeout: WAIT });
      notes.push(text);
    }
    // Each tab shows the other's notes (told over the tabs' channel, loaded from the store).
    for (const page of [first, second]) {
      for (const text of notes) await page.getByText(text).waitFor({ timeout: WAIT });
    }
    mark("each tab shows both tabs' notes");
    for (const page of [first, second]) {
      await page.getByRole("button", { name: "Sync now" }).click();
      await synced(page);
      assert.doesNotMatch(await status(page).innerText(), /waiting/);
      assert.equal(await page.locator(".banner.error").count(), 0, "nothing refused");
    }
    await shot(second, "16-second-tab-notes");
    const m = manager.page;
    await m.getByRole("button", { name: "Sync now" }).click();
    await synced(m);
    await tab(m, "Notes");
    for (const text of notes) await m.getByText(text).waitFor({ timeout: WAIT });
    mark("the case manager has all four");
    await second.close();
  });

  await test("9. two people move one appointment at once: badged where they look, settled as a whole slot", async () => {
    const m = manager.page, c = consumer.page;
    await tab(m, "Appointments");
    const title = (await m.locator("button.row.appointment .row-title").first().innerText()).trim();
    const move = async (page, start, end) => {
      await tab(page, "Appointments");
      await page.locator("button.row.appointment").filter({ hasText: title }).first().click();
      await page.getByRole("button", { name: "Edit details" }).click();
      await page.getByLabel("Starts").fill(start);
      await page.getByLabel("Ends").fill(end);
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("heading", { name: "Where" }).waitFor({ timeout: WAIT });
    };
    // The case manager moves it while offline; the consumer moves it too, and syncs first.
    await manager.context.setOffline(true);
    await move(m, "2027-05-03T10:00", "2027-05-03T10:30");
    await move(c, "2027-05-03T14:00", "2027-05-03T14:30");
    await c.getByRole("button", { name: "Sync now" }).click();
    await synced(c);
    await manager.context.setOffline(false);
    await m.getByRole("button", { name: "Sync now" }).click();
    await synced(m);
    // Badged on the tab bar and on the card; on Today too.
    await m.getByRole("button", { name: /^Appointments\s*,\s*1 to settle$/ }).waitFor({ timeout: WAIT });
    await tab(m, "Today");
    await m.getByText("Two people changed").first().waitFor({ timeout: WAIT });
    await shot(m, "17-conflict-on-today");
    await tab(m, "Appointments");
    const card = m.locator("button.row.appointment").filter({ hasText: title }).first();
    await card.getByText("Two people changed this").waitFor({ timeout: WAIT });
    await card.click();
    const conflict = m.locator(".conflict-item");
    await conflict.getByText("Mon 3 May, 10:00–10:30").waitFor({ timeout: WAIT });
    await conflict.getByText("Mon 3 May, 14:00–14:30").waitFor({ timeout: WAIT });
    await shot(m, "18-conflict-two-whole-slots");
    mark("two whole slots, in plain words");
    // Keep the consumer's: its start and its end, together.
    await conflict.locator(".choice").filter({ hasText: "14:00–14:30" }).getByRole("button", { name: "Keep this" }).click();
    await conflict.first().waitFor({ state: "detached", timeout: WAIT });
    await m.getByText(/14:00.?–.?14:30/).first().waitFor({ timeout: WAIT });
    assert.equal(await m.getByText(/10:00.?–.?10:30/).count(), 0, "nothing of the other slot is left");
    assert.equal(await m.getByRole("button", { name: /to settle/ }).count(), 0, "the badge goes");
    // The settled slot reaches the server before the next test signs in elsewhere.
    await status(m).filter({ hasText: /Synced at/ }).waitFor({ timeout: WAIT });
    await m.getByRole("button", { name: "Sync now" }).click();
    await synced(m);
    assert.doesNotMatch(await status(m).innerText(), /waiting/);
    mark("settled as a whole slot");
  });

  await test("11. Back, links and reloads stay in the app; focus lands on each new screen's heading", async () => {
    const { page } = consumer;
    const h1 = (name) => page.getByRole("heading", { level: 1, name });
    await tab(page, "Today");
    await h1("Today").waitFor();
    const origin = new URL(page.url()).origin;
    // The skip link is the first thing a keyboard reaches (on a freshly loaded page), and it
    // moves focus to the screen.
    const fresh = async () => {
      await page.goto(`${origin}/#/today`);
      await page.reload();
      await h1("Today").waitFor({ timeout: WAIT });
    };
    await fresh();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "main-content");
    // Tab changes move focus to the new heading.
    await tab(page, "Appointments");
    await h1("Appointments").waitFor();
    await page.waitForFunction(() => document.activeElement?.tagName === "H1" && document.activeElement.textContent === "Appointments");
    await page.locator("button.row.appointment").filter({ hasText: "Medication review" }).first().click();
    await page.getByRole("heading", { name: "Double-check" }).waitFor({ timeout: WAIT });
    await page.waitForFunction(() => document.activeElement?.tagName === "H1");
    const deepLink = page.url();
    assert.match(new URL(deepLink).hash, /^#\/c\/[0-9a-f-]+\/appointments\/[^/]+$/, deepLink);
    await page.getByRole("button", { name: "Written copy to print" }).first().click();
    await page.getByRole("button", { name: "Print" }).waitFor();
    mark("Today → Appointments → an appointment → its written copy");
    // Back walks the same way back, inside the app.
    await page.goBack();
    await page.getByRole("heading", { name: "Double-check" }).waitFor({ timeout: WAIT });
    assert.equal(page.url(), deepLink);
    await page.goBack();
    await h1("Appointments").waitFor({ timeout: WAIT });
    await page.goBack();
    await h1("Today").waitFor({ timeout: WAIT });
    assert.equal(new URL(page.url()).origin, origin, "still in the app");
    await page.goForward();
    await h1("Appointments").waitFor({ timeout: WAIT });
    mark("Back and Forward move between screens");
    // A reload stays where it was; a link opened on its own opens the appointment, with Today
    // beneath it so Back stays in the app.
    await page.goto(deepLink);
    await page.reload();
    await page.getByRole("heading", { name: "Double-check" }).waitFor({ timeout: WAIT });
    await page.getByText("Medication review").first().waitFor();
    mark("a reload keeps the appointment open");
    const other = await consumer.context.newPage();
    await other.goto(deepLink);
    await other.getByRole("heading", { name: "Double-check" }).waitFor({ timeout: WAIT });
    await other.goBack();
    await other.getByRole("heading", { level: 1, name: "Today" }).waitFor({ timeout: WAIT });
    assert.equal(new URL(other.url()).origin, origin, "Back from a link lands on Today, in the app");
    await other.close();
    // A Notes screen is a few key presses away: skip link, then the tab bar.
    await fresh();
    let presses = 0;
    while (presses < 30) {
      await page.keyboard.press("Tab");
      presses++;
      if (await page.evaluate(() => document.activeElement?.textContent?.startsWith("Notes"))) break;
    }
    console.log(`  Notes reached with ${presses} Tab presses`);
    assert.ok(presses <= 8, `Notes reached by keyboard in ${presses} presses`);
  });

  await test("12. the case manager's caseload of 20 lists the circle with a conflict and a new change first", async () => {
    const m = manager.page;
    await tab(m, "Today");
    await m.getByRole("region", { name: "Your caseload" }).waitFor({ timeout: WAIT });
    await m.getByRole("button", { name: "All 20 circles" }).click();
    await m.getByRole("heading", { level: 1, name: "Caseload" }).waitFor();
    const rows = m.locator("ul.caseload > li");
    assert.equal(await rows.count(), 20, "20 circles");
    await shot(m, "20-caseload");
    // Search narrows the list by name.
    await m.getByLabel("Find a person").fill("bail");
    assert.equal(await rows.count(), 1);
    await m.getByLabel("Find a person").fill("");
    // Bailey's consumer and the case manager move Bailey's one appointment at once.
    const bailey = await phone(browser);
    await signIn(bailey.page, server.url, "client01");
    const move = async (page, start, end) => {
      await tab(page, "Appointments");
      await page.locator("button.row.appointment").first().click();
      await page.getByRole("button", { name: "Edit details" }).click();
      await page.getByLabel("Starts").fill(start);
      await page.getByLabel("Ends").fill(end);
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("heading", { name: "Where" }).waitFor({ timeout: WAIT });
    };
    await rows.filter({ hasText: "Bailey" }).getByRole("button").click();
    await m.locator(".circle-name").filter({ hasText: "Bailey" }).waitFor({ timeout: WAIT });
    await manager.context.setOffline(true);
    await move(m, "2027-06-07T10:00", "2027-06-07T10:30");
    await move(bailey.page, "2027-06-07T15:00", "2027-06-07T15:30");
    await bailey.page.getByRole("button", { name: "Sync now" }).click();
    await synced(bailey.page);
    await bailey.context.close();
    // Back to Alex's circle, then online: one sync brings the whole caseload.
    await tab(m, "Today");
    await m.getByRole("button", { name: /^All 20 circles/ }).click();
    await rows.filter({ hasText: /^Alex/ }).getByRole("button").click();
    await m.locator(".circle-name").filter({ hasText: "Alex" }).waitFor({ timeout: WAIT });
    await manager.context.setOffline(false);
    await m.getByRole("button", { name: "Sync now" }).click();
    await synced(m);
    await m.getByRole("button", { name: /^All 20 circles/ }).click();
    const first = rows.first();
    await first.filter({ hasText: "Bailey" }).waitFor({ timeout: WAIT });
    const facts = await first.innerText();
    assert.match(facts, /1 to settle/, facts);
    assert.match(facts, /changes? since you looked/, facts);
    assert.match(facts, /Next: /, facts);
    await shot(m, "21-caseload-conflict-first");
    mark("Bailey first: a conflict and a change");
    // Settle it, so later tests start from a quiet caseload.
    await first.getByRole("button").click();
    await m.locator(".circle-name").filter({ hasText: "Bailey" }).waitFor({ timeout: WAIT });
    await tab(m, "Appointments");
    await m.locator("button.row.appointment").first().click();
    await m.locator(".conflict-item .choice").first().getByRole("button", { name: "Keep this" }).click();
    await m.locator(".conflict-item").first().waitFor({ state: "detached", timeout: WAIT });
    await m.getByRole("button", { name: "Sync now" }).click();
    await synced(m);
  });

  await test("13. the case manager records the assessment and the ending; the consumer sees both; who will see it is named first", async () => {
    const m = manager.page, c = consumer.page;
    await tab(m, "Today");
    const switchTo = async (name) => {
      await tab(m, "Today");
      await m.getByRole("button", { name: /^All 20 circles/ }).click();
      await m.locator("ul.caseload > li").filter({ hasText: new RegExp(`^${name}`) }).getByRole("button").click();
      await m.locator(".circle-name").filter({ hasText: name }).waitFor({ timeout: WAIT });
    };
    await switchTo("Alex");
    await more(m, /^Plan$/);
    await m.getByRole("heading", { name: "Assessment" }).waitFor({ timeout: WAIT });
    // Sam cannot see the plan (withdrawn in test 4): the line names Alex, not Sam.
    await m.getByRole("button", { name: "Edit Mental state examination" }).click();
    const informed = m.locator("form").filter({ has: m.getByLabel("Done on") }).locator(".informed");
    const line = await informed.innerText();
    assert.match(line, /Will see this change: .*Alex Rivera \(consumer\)/, line);
    assert.doesNotMatch(line, /Sam Rivera/, line);
    await m.getByLabel("Done on").fill("2026-11-30");
    await m.getByLabel("Done by").fill("Dr Priya Raman, psychiatrist");
    await m.getByLabel("Summary", { exact: true }).fill("Calm and engaged; sleeping six hours most nights.");
    await shot(m, "22-assessment-form-informed");
    await m.getByRole("button", { name: "Save", exact: true }).click();
    await m.getByText("Calm and engaged; sleeping six hours most nights.").waitFor({ timeout: WAIT });
    // With the plan shared, Sam is named too.
    await planAccess(c, "read");
    await m.getByRole("button", { name: "Sync now" }).click();
    await synced(m);
    await more(m, /^Plan$/);
    await m.getByRole("button", { name: "Record the completion letter" }).click();
    const letter = m.locator("form").filter({ has: m.getByLabel("Sent on") }).locator(".informed");
    await letter.filter({ hasText: "Sam Rivera (carer)" }).waitFor({ timeout: WAIT });
    assert.match(await letter.innerText(), /Alex Rivera \(consumer\)/);
    await m.getByLabel("Sent on").fill("2026-12-01");
    await m.getByLabel("Sent by").fill("Jordan Lee, case manager");
    await m.getByLabel("A copy of the letter").fill("Dear Alex, our work together has finished. Call intake on (03) 9000 0100 to come back.");
    await m.getByLabel("Family and carers have been told").check();
    await m.getByRole("button", { name: "Save", exact: true }).click();
    await m.getByText("Completion letter sent on 2026-12-01 by Jordan Lee, case manager.").waitFor({ timeout: WAIT });
    await m.getByRole("button", { name: "Sync now" }).click();
    await synced(m);
    mark("recorded and synced");
    await c.getByRole("button", { name: "Sync now" }).click();
    await synced(c);
    await more(c, /^Plan$/);
    await c.getByText("Calm and engaged; sleeping six hours most nights.").waitFor({ timeout: WAIT });
    await c.getByText("Completion letter sent on 2026-12-01 by Jordan Lee, case manager.").waitFor({ timeout: WAIT });
    await c.getByText("Family and carers have been told.").waitFor();
    await shot(c, "23-plan-ending-consumer");
    // The carer's change feed shows the case manager's change.
    await carer.page.getByRole("button", { name: "Sync now" }).click();
    await synced(carer.page);
    await more(carer.page, /^What's changed/);
    await carer.page.getByRole("listitem").filter({ hasText: "Recorded the completion letter" }).first().waitFor({ timeout: WAIT });
    await planAccess(c, "none");
  });

  await test("14. printed copies (PDF) of an appointment and of the plan hold every field; each saves as a file", async () => {
    const { page } = consumer;
    const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");
    const pdfText = async (name) => {
      await page.emulateMedia({ media: "print" });
      const bytes = await page.pdf({ path: join(shots, `${name}.pdf`), format: "A4" });
      await page.emulateMedia({ media: "screen" });
      const doc = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: true, isEvalSupported: false }).promise;
      let text = "";
      for (let i = 1; i <= doc.numPages; i++) {
        const content = await (await doc.getPage(i)).getTextContent();
        text += " " + content.items.map((x) => x.str).join(" ");
      }
      mark(`${name}.pdf: ${doc.numPages} page(s), ${text.length} characters`);
      return text.replace(/\s+/g, " ");
    };
    // The PDF's text runs split words at ligatures ("di ffi cult"): compare without spaces.
    const bare = (s) => s.normalize("NFKC").replace(/\s+/g, "");
    const has = (text, expected, what) => {
      for (const e of expected) assert.ok(bare(text).includes(bare(e)), `${what} lacks "${e}":\n${text}`);
    };
    await tab(page, "Appointments");
    await page.locator("button.row.appointment").filter({ hasText: "Medication review" }).first().click();
    await page.getByRole("button", { name: "Written copy to print" }).first().click();
    await page.getByRole("button", { name: "Print" }).waitFor();
    const appt = await pdfText("written-appointment");
    has(appt, ["Medication review", "When", "Time zone", "Sydney time (UTC+1", "Where", "Northbank Community Mental Health Service",
      "12 River Street", "With", "Dr Priya Raman", "Double-check", "In writing", "Support person", "Sam",
      "Getting there", "Sam drives", "Questions to ask", "Can I take the new tablet in the morning"], "the appointment copy");
    const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Save as a file" }).click()]);
    assert.equal(file.suggestedFilename(), "Alex - appointment.html");
    const saved = await (await import("node:fs/promises")).readFile(await file.path(), "utf8");
    assert.match(saved, /Northbank Community Mental Health Service/);
    assert.doesNotMatch(saved, /<script/i, "the saved copy is the document alone");
    await page.getByRole("button", { name: "Back" }).click();
    await more(page, /^Plan$/);
    await page.getByRole("button", { name: "Written copy to print" }).click();
    await page.getByRole("button", { name: "Print" }).waitFor();
    const plan = await pdfText("written-plan");
    has(plan, ["Individual service plan", "Assessment", "Mental state examination", "Calm and engaged", "Physical examination",
      "Need for services", "Areas of life", "Goals", "If things get difficult", "Who to contact", "Supports and respite",
      "Dependent children", "Treatment", "Review", "Referrals", "Ending involvement", "The completion letter",
      "2026-12-01", "Jordan Lee, case manager", "Dear Alex, our work together has finished", "How to come back to the service"], "the plan copy");
    await page.getByRole("button", { name: "Back" }).click();
  });

  await test("15. at 200% text (and at 200% zoom) the fixed header and tab bar leave at least 70% of the screen", async () => {
    const fixedShare = (page) => page.evaluate(() => {
      let fixed = 0;
      for (const el of document.querySelectorAll("header.appbar, nav.tabs")) {
        const st = getComputedStyle(el);
        if (st.position === "fixed" || st.position === "sticky") fixed += el.getBoundingClientRect().height;
      }
      return { fixed, height: window.innerHeight, overflow: document.documentElement.scrollWidth - window.innerWidth };
    });
    // Text at 200% on a 390 px phone: the browser's default font size doubled, as a phone's
    // text-size setting does (so media queries in em see it too).
    const { page } = consumer;
    await tab(page, "Today");
    const cdp = await consumer.context.newCDPSession(page);
    await cdp.send("Page.setFontSizes", { fontSizes: { standard: 32, fixed: 26 } });
    await page.waitForTimeout(200);
    const text = await fixedShare(page);
    await shot(page, "today-200-percent-text");
    const narrowTabs = await page.evaluate(() => [...document.querySelectorAll("nav.tabs .tab")].every((t) => t.getBoundingClientRect().height < 80));
    await cdp.send("Page.setFontSizes", { fontSizes: { standard: 16, fixed: 13 } });
    await cdp.detach();
    assert.ok(narrowTabs, "the tab bar stays one row at 200% text");
    // Page zoom at 200%: the same phone is 195 x 422 CSS pixels.
    const zoomed = await browser.newContext({ ...PHONE, viewport: { width: 195, height: 422 }, deviceScaleFactor: 4 });
    const z = await zoomed.newPage();
    await signIn(z, server.url, "alex");
    const zoom = await fixedShare(z);
    await shot(z, "today-200-percent-zoom");
    await z.getByRole("button", { name: "Who to call" }).click();
    await z.getByRole("heading", { level: 1, name: "Care team" }).waitFor();
    await zoomed.close();
    console.log(`  fixed bars: text 200% ${Math.round(text.fixed)}/${text.height} px, zoom 200% ${Math.round(zoom.fixed)}/${zoom.height} px`);
    for (const [what, r] of [["200% text", text], ["200% zoom", zoom]]) {
      assert.ok(r.fixed <= 0.3 * r.height, `${what}: fixed bars take ${Math.round(100 * r.fixed / r.height)}% of the screen`);
      assert.ok(r.overflow <= 1, `${what}: no sideways scrolling (overflow ${r.overflow}px)`);
    }
  });

  await test("16. a note written on one phone appears on another open app within seconds, without Sync now", async () => {
    const c = consumer.page, s = carer.page;
    await tab(s, "Notes");
    await tab(c, "Notes");
    const text = `Live from Alex ${Date.now()}`;
    await c.getByLabel("Note", { exact: true }).fill(text);
    await c.getByRole("button", { name: "Save note" }).click();
    await c.getByText(text).waitFor();
    mark("saved on the consumer's phone");
    // Polling alone would take up to 15 s (60 s while live updates are open).
    await s.getByText(text).waitFor({ timeout: 5_000 });
    mark("shown on the carer's phone");
  });

  await test("5. every screen: no accessibility violations at all (axe-core), targets of 44 px, screenshots at 390 px", async () => {
    const problems = [];
    const start = await phone(browser);
    // What a first visit transfers (compressed, as it travels), for the record.
    let transferred = 0;
    start.page.on("requestfinished", async (req) => {
      const sizes = await req.sizes().catch(() => null);
      if (sizes) transferred += sizes.responseBodySize + sizes.responseHeadersSize;
    });
    await start.page.goto(server.url);
    await start.page.getByLabel("Username").waitFor();
    await start.page.waitForLoadState("networkidle");
    console.log(`  first visit transferred ${Math.round(transferred / 1024)} KiB`);
    problems.push(...(await accessible(start.page, "start")));
    await start.context.close();
    const { page } = consumer;
    const visit = async (name, go, ready) => {
      await go();
      if (ready) await ready();
      problems.push(...(await accessible(page, name)));
      problems.push(...(await smallTargets(page, name)));
      await shot(page, `screen-${name}`);
    };
    await visit("today", () => tab(page, "Today"), () => page.getByRole("heading", { level: 1, name: "Today" }).waitFor());
    await visit("appointments", () => tab(page, "Appointments"), () => page.getByRole("heading", { level: 1, name: "Appointments" }).waitFor());
    // The calendar file downloads and is a real calendar.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: /Download for your calendar/ }).click(),
    ]);
    assert.equal(download.suggestedFilename(), "appointments.ics");
    const ics = await (await import("node:fs/promises")).readFile(await download.path(), "utf8");
    assert.match(ics, /^BEGIN:VCALENDAR/);
    assert.match(ics, /BEGIN:VEVENT/);
    await visit("appointment", () => page.locator("button.appointment").first().click(), () => page.getByRole("heading", { name: "Double-check" }).waitFor());
    await visit("appointment-form", () => page.getByRole("button", { name: "Edit details" }).click(), () => page.getByRole("heading", { level: 1, name: "Edit appointment" }).waitFor());
    await visit("questions", () => tab(page, "Questions"), () => page.getByRole("heading", { level: 1, name: "Questions to ask" }).waitFor());
    await visit("notes", () => tab(page, "Notes"), () => page.getByRole("heading", { level: 1, name: "Notes" }).waitFor());
    await visit("more", () => tab(page, "More"), () => page.getByRole("heading", { level: 1, name: "More" }).waitFor());
    await visit("team", () => page.getByRole("button", { name: "Care team and organisations" }).click(), () => page.getByRole("heading", { level: 1, name: "Care team" }).waitFor());
    await visit("plan", () => more(page, "Plan"), () => page.getByRole("heading", { name: "Goals" }).waitFor());
    await visit("written-plan", () => page.getByRole("button", { name: "Written copy to print" }).click(), () => page.getByRole("button", { name: "Print" }).waitFor());
    // Printed, the written copy is the document alone: no buttons, bars or banners.
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.getByRole("button", { name: "Print" }).isVisible(), false, "print button hidden on paper");
    assert.ok(await page.getByRole("heading", { name: /Individual service plan/ }).isVisible());
    await page.pdf({ path: join(shots, "written-plan.pdf"), format: "A4" });
    await page.emulateMedia({ media: "screen" });
    // Keyboard focus is visible. The copy's heading has focus; its buttons come before it.
    await page.keyboard.press("Shift+Tab");
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      return { what: `${el.tagName} ${el.textContent.slice(0, 30)}`, outline: getComputedStyle(el).outlineStyle };
    });
    assert.notEqual(focused.outline, "none", `the focused control (${focused.what}) shows an outline`);
    await visit("changes", () => page.getByRole("button", { name: "Back" }).click().then(() => more(page, /^What's changed/)), () => page.getByRole("heading", { level: 1, name: "What's changed" }).waitFor());
    await visit("circle", () => more(page, /^Circle/), () => page.getByRole("button", { name: "See the access log" }).waitFor());
    await visit("access-log", () => more(page, /^Access log/), () => page.getByRole("heading", { level: 1, name: "Access log" }).waitFor().then(() => page.locator("section ul.log").first().waitFor({ timeout: WAIT })));
    await visit("information", () => more(page, /^Information/), () => page.getByRole("heading", { level: 1, name: "Information" }).waitFor());
    await visit("written-appointment", () => tab(page, "Appointments").then(() => page.locator("button.appointment").first().click()).then(() => page.getByRole("button", { name: "Written copy to print" }).first().click()), () => page.getByRole("button", { name: "Print" }).waitFor());
    await page.getByRole("button", { name: "Back" }).click();
    await visit("settings", () => more(page, /^Settings/), () => page.getByRole("heading", { level: 1, name: "Settings" }).waitFor());
    // The case manager's own screens: the caseload, and Today with it.
    const m = manager.page;
    for (const [name, go, ready] of [
      ["caseload", () => tab(m, "Today").then(() => m.getByRole("button", { name: /^All 20 circles/ }).click()), () => m.getByRole("heading", { level: 1, name: "Caseload" }).waitFor()],
      ["today-case-manager", () => tab(m, "Today"), () => m.getByRole("region", { name: "Your caseload" }).waitFor()],
    ]) {
      await go();
      await ready();
      problems.push(...(await accessible(m, name)));
      problems.push(...(await smallTargets(m, name)));
      await shot(m, `screen-${name}`);
    }
    assert.deepEqual(problems, [], "accessibility violations or small targets");
  });
  await test("10. the consumer removes the carer; the carer gets one message and keeps nothing of the circle", async () => {
    const c = consumer.page, s = carer.page;
    // Earlier messages (test 4's) read and dismissed first.
    while (await s.locator(".banner.notice").count()) {
      await s.locator(".banner.notice").first().getByRole("button", { name: "OK" }).click();
    }
    await more(c, /^Circle/);
    await c.getByRole("button", { name: "Remove Sam Rivera from the circle" }).click();
    await c.getByRole("button", { name: "Yes, remove them" }).click();
    await c.getByRole("button", { name: "Remove Sam Rivera from the circle" }).waitFor({ state: "detached", timeout: WAIT });
    mark("removed");
    await s.getByRole("button", { name: "Sync now" }).click();
    const told = s.getByRole("alert").filter({ hasText: "You are no longer in" });
    await told.first().waitFor({ timeout: WAIT });
    await s.waitForTimeout(500);
    assert.equal(await told.count(), 1, "one message, not one per document");
    assert.equal(await s.getByRole("alert").filter({ hasText: "Your access to the" }).count(), 0, "no per-document messages");
    await shot(s, "19-removed-one-message");
    await tab(s, "Notes");
    assert.equal(await s.getByText(noteText).count(), 0, "the circle's notes are gone from the device");
    mark("one message; the copies are gone");
  });

  await test("the content security policy refused nothing the app needs", async () => {
    assert.deepEqual(cspViolations, [], "content security policy violations");
  });
} finally {
  await browser.close();
  server.stop();
}

console.log("\n| browser test | result | ms |\n|---|---|---|");
for (const [name, r, ms] of results) console.log(`| ${name} | ${r} | ${ms} |`);
console.log(`screenshots: ${shots}`);
process.exit(results.every(([, r]) => r === "ok") ? 0 : 1);
