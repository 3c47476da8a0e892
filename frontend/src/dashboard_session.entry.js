// Keeps the dashboard's API token in a session cookie scoped to the dashboard's own path, so a
// reload (say, to resume an upload) stays signed in; signing out deletes it.
export function render({ model, el }) {
  const write = () => {
    const path = window.location.pathname || "/";
    const secure = window.location.protocol === "https:" ? "; Secure" : "";
    const name = model.cookie;
    document.cookie = model.token
      ? `${name}=${encodeURIComponent(model.token)}; path=${path}; SameSite=Strict${secure}`
      : `${name}=; path=${path}; max-age=0; SameSite=Strict${secure}`;
  };
  write();
  model.on("token", write);
  el.style.display = "none";
  return document.createElement("span");
}
