// The gateway's browser page (index.html): asks the User and Post services over gRPC-Web with
// stubs generated from their protos, as a browser application of the pair would.
import { GrpcWebFetchTransport } from "@protobuf-ts/grpcweb-transport";
import { PostClient } from "./gen/v1/post/post.client";
import { UserClient } from "./gen/v2/user/user.client";

// The page is served by the gateway itself: gRPC-Web calls go back to where it came from.
const transport = new GrpcWebFetchTransport({ baseUrl: location.origin, format: "binary" });
const users = new UserClient(transport);
const posts = new PostClient(transport);

async function show(userId: string): Promise<void> {
  const result = document.getElementById("result")!;
  try {
    const { response: user } = await users.getUser({ userId });
    const { response: page } = await posts.listPostsByUserId({
      userId,
      pageSize: 0,
      pageToken: "",
    });
    result.textContent = JSON.stringify(
      { user: user.userMessage, posts: page.postMessages.map((post) => post.title) },
      null,
      2,
    );
    result.dataset.status = "ok";
  } catch (e) {
    // An RpcError names the gRPC code and carries the server's message.
    result.textContent = String(e);
    result.dataset.status = "error";
  }
}

const input = document.getElementById("user-id") as HTMLInputElement;
document.getElementById("ask")!.addEventListener("submit", (event) => {
  event.preventDefault();
  void show(input.value);
});
input.value = new URLSearchParams(location.search).get("user") ?? "1";
void show(input.value);
