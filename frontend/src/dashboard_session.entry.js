// Keeps the dashboard's API token in a session cookie scoped to the dashboard's own path, so a
// reload (say, to resume an upload) stays signed in; signing out (or a token the API refused)
// deletes it. An empty token at first render changes nothing: the API may just be down.
export function render({ model, el }) {
  const write = (token) => {
    const path = window.location.pathname || "/";
    const secure = window.location.protocol === "https:" ? "; Secure" : "";
    const name = model.cookie;
    document.cookie = token
      ? `${name}=${encodeURIComponent(token)}; path=${path}; SameSite=Strict${secure}`
      : `${name}=; path=${path}; max-age=0; SameSite=Strict${secure}`;
  };
  if (model.token || model.forget) write(model.token);
  model.on("token", () => write(model.token));
  el.style.display = "none";
  return document.createElement("span");
}
