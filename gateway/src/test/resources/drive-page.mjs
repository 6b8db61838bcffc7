// Drives the gateway's browser page (index.html and app.js) in Node: the page's own script,
// fetched from the gateway, runs against a minimal DOM of the elements it uses, and its gRPC-Web
// calls go through Node's fetch, as a browser's would. Prints the result element's status and text.
//   node drive-page.mjs http://localhost:8080 USER_ID
const [, , base, userId] = process.argv;
const page = await (await fetch(base + "/")).text();
const elements = {};
for (const id of page.matchAll(/id="([^"]+)"/g)) {
  elements[id[1]] = { id: id[1], value: "", textContent: "", dataset: {}, addEventListener() {} };
}
globalThis.location = new URL(base + "/?user=" + encodeURIComponent(userId));
globalThis.document = { getElementById: (id) => elements[id] ?? null };
const script = page.match(/<script src="([^"]+)">/)[1];
new Function(await (await fetch(new URL(script, base + "/"))).text())();
const deadline = Date.now() + 20_000;
while (!elements.result.dataset.status && Date.now() < deadline) {
  await new Promise((resolve) => setTimeout(resolve, 20));
}
console.log(elements.result.dataset.status ?? "timeout");
console.log(elements.result.textContent);
