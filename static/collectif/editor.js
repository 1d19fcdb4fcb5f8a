// Our extensions of django-prose-editor, loaded by its "configurable" preset
// (settings.DJANGO_PROSE_EDITOR_EXTENSIONS). A module from our own origin:
// it runs under the admin's Content-Security-Policy without any inline code.
//
// - CollectifEditor (every field): menus in the organiser's language, a live
//   word count and, for tracts, how many pages each print format takes.
// - CollectifFigure (articles, tracts): the picture button opens a picker of our
//   pictures with an upload field; Enter in a caption leaves the figure.
// - Footnotes (articles): a button that calls a numbered note "[^n]" and
//   writes its text at the end of the notes field of the same version.
import { crel, Extension, Figure } from "django-prose-editor/editor"

// Resolved when called: the catalogue script (publishing/editor.py) defines
// window.gettext before any module runs, but stay safe without it.
const t = (text) => (window.gettext ? window.gettext(text) : text)
const tn = (singular, plural, count) =>
  (window.ngettext ? window.ngettext(singular, plural, count) : count === 1 ? singular : plural).replace(
    "%s",
    String(count),
  )
const addresses = () => window.collectifEditor || {}
const RTL_LANGUAGES = new Set(["ar", "fa", "he", "ur"])
const csrfToken = () => document.querySelector("input[name=csrfmiddlewaretoken]")?.value || ""

// Each editor by the name of its textarea ("versions-0-notes"), so that the
// body's note button can write into the notes of the same version.
const editorsByField = new Map()
const textareaOf = (editor) => editor.options.element.querySelector("textarea")

function translateMenu(container) {
  // django-prose-editor names most menu items in English without gettext.
  for (const element of container.querySelectorAll(".prose-menubar [title], .prose-menubar [aria-label]")) {
    for (const attribute of ["title", "aria-label"]) {
      const value = element.getAttribute(attribute)
      if (value) element.setAttribute(attribute, t(value))
    }
  }
  for (const element of container.querySelectorAll(".prose-menubar *")) {
    if (!element.children.length && !element.classList.contains("material-icons") && element.textContent.trim()) {
      element.textContent = t(element.textContent.trim())
    }
  }
}

function inlineField(textarea, name) {
  const prefix = textarea.name.slice(0, textarea.name.lastIndexOf("-") + 1)
  return document.querySelector(`[name="${prefix}${name}"]`)
}

async function postForm(url, data) {
  const response = await fetch(url, {
    method: "POST",
    body: data,
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
  })
  let payload = {}
  try {
    payload = await response.json()
  } catch {
    payload = { errors: { __all__: [t("The server did not answer; try again in a moment.")] } }
  }
  return { ok: response.ok, payload }
}

export const CollectifEditor = Extension.create({
  name: "collectifEditor",

  addOptions() {
    return { pagesUrl: null }
  },

  onCreate() {
    const editor = this.editor
    const container = editor.options.element
    const textarea = textareaOf(editor)
    if (textarea) editorsByField.set(textarea.name, editor)
    container.classList.add("collectif-editor")
    editor.view.dom.setAttribute("spellcheck", "true")
    // The text's own language and direction (an Arabic version in the French
    // admin, a French one in the Arabic admin), for the spell checker too.
    const language = textarea && inlineField(textarea, "language")
    const applyLanguage = () => {
      if (!language?.value) return
      editor.view.dom.setAttribute("lang", language.value)
      editor.view.dom.setAttribute("dir", RTL_LANGUAGES.has(language.value) ? "rtl" : "ltr")
    }
    applyLanguage()
    language?.addEventListener("change", applyLanguage)

    const status = crel("p", { className: "collectif-editor-status" })
    status.setAttribute("aria-live", "polite")
    const words = crel("span", { className: "collectif-editor-words" })
    const pages = crel("span", { className: "collectif-editor-pages" })
    status.append(words, pages)
    container.append(status)
    this.storage.words = words
    this.storage.pages = pages
    this.storage.pagesTimer = null
    this.storage.countWords = () => {
      const count = editor.getText({ blockSeparator: " " }).split(/\s+/).filter(Boolean).length
      words.textContent = tn("%s word", "%s words", count)
    }
    this.storage.countWords()
    this.storage.countPages = () => this.options.pagesUrl && textarea && this.storage.schedulePages(textarea)
    // Laying out three leaflets takes a second or two: ask once typing
    // pauses, and never twice at the same time.
    this.storage.schedulePages = (field) => {
      clearTimeout(this.storage.pagesTimer)
      this.storage.pagesTimer = setTimeout(async () => {
        if (this.storage.counting) return this.storage.schedulePages(field)
        this.storage.counting = true
        try {
          await countPages(this.options.pagesUrl, field, pages)
        } finally {
          this.storage.counting = false
        }
      }, 2000)
    }
    this.storage.countPages()
    // The menu is built by another extension's onCreate: translate it after.
    setTimeout(() => {
      translateMenu(container)
      editor.view.dispatch(editor.state.tr)
    }, 0)
  },

  onUpdate() {
    this.storage.countWords?.()
    this.storage.countPages?.()
  },
})

async function countPages(url, textarea, output) {
  const data = new FormData()
  for (const name of ["language", "title", "subtitle", "contact"]) {
    data.append(name, inlineField(textarea, name)?.value || "")
  }
  data.append("body", textarea.value)
  data.append("slug", document.querySelector("[name=slug]")?.value || "")
  data.append("show_qr_code", document.querySelector("[name=show_qr_code]")?.checked ? "1" : "")
  output.textContent = ` · ${t("counting pages…")}`
  const { ok, payload } = await postForm(url, data)
  if (!ok) {
    output.textContent = ""
    return
  }
  output.textContent = ` · ${payload.formats
    .map((format) => `${format.label}: ${tn("%s page", "%s pages", format.pages)}${format.too_long ? " ⚠" : ""}`)
    .join(" · ")}`
  output.classList.toggle("too-long", payload.formats.some((format) => format.too_long))
}

// Pictures ----------------------------------------------------------------

const selectionInFigure = (state) => {
  const { selection } = state
  if (selection.node?.type.name === "image" || selection.node?.type.name === "figure") return true
  for (let depth = selection.$from.depth; depth > 0; depth--) {
    if (selection.$from.node(depth).type.name === "figure") return true
  }
  return false
}

function relativeAddress(address) {
  // Our own pictures pasted by their full address become relative ones.
  const value = address.trim()
  if (value.startsWith(`${window.location.origin}/`)) return value.slice(window.location.origin.length)
  return value
}

function field(label, input) {
  const id = `collectif-picker-${Math.random().toString(36).slice(2)}`
  input.id = id
  return crel("div", { className: "prose-editor-dialog-field" }, [crel("label", { htmlFor: id, textContent: label }), input])
}

function openPicturePicker(editor) {
  const search = crel("input", { type: "search", name: "q" })
  const grid = crel("ul", { className: "collectif-picker-grid" })
  const emptyNote = crel("p", { className: "help", textContent: t("No picture matches.") })
  const file = crel("input", { type: "file", name: "file", accept: "image/jpeg,image/png,image/webp" })
  const uploadButton = crel("button", { type: "button", textContent: t("Upload") })
  const src = crel("input", { type: "text", name: "src", size: 50 })
  const alt = crel("input", { type: "text", name: "alt", size: 50 })
  const caption = crel("input", { type: "text", name: "caption", size: 50 })
  const credit = crel("input", { type: "text", name: "credit", size: 50 })
  const preview = crel("img", { className: "collectif-picker-preview", alt: "" })
  const errors = crel("div", { className: "collectif-picker-errors" })
  errors.setAttribute("role", "alert")
  const insert = crel("button", { type: "submit", textContent: t("Insert") })
  const cancel = crel("button", { type: "button", textContent: t("Cancel") })

  const form = crel("form", { method: "dialog" }, [
    crel("h3", { className: "prose-editor-dialog-title", textContent: t("Insert a picture") }),
    field(t("Search our pictures by description"), search),
    grid,
    emptyNote,
    crel("fieldset", { className: "collectif-picker-upload" }, [
      crel("legend", { textContent: t("Or upload a new picture") }),
      crel("p", {
        className: "help",
        textContent: t("JPEG, PNG or WebP. Location, camera and date data are removed on upload."),
      }),
      field(t("Picture file"), file),
      field(t("Credit"), credit),
      uploadButton,
    ]),
    crel("fieldset", { className: "collectif-picker-chosen" }, [
      crel("legend", { textContent: t("Chosen picture") }),
      preview,
      field(t("Address of one of our pictures"), src),
      field(t("Description for people who cannot see it"), alt),
      field(t("Caption"), caption),
    ]),
    errors,
    crel("div", { className: "prose-editor-dialog-buttons" }, [insert, cancel]),
  ])
  const dialog = crel("dialog", { className: "prose-editor-dialog collectif-picker" }, [form])
  dialog.setAttribute("aria-label", t("Insert a picture"))
  document.body.append(dialog)

  const showErrors = (messages) => {
    errors.replaceChildren(...messages.map((message) => crel("p", { className: "errornote", textContent: message })))
  }
  const choose = (picture) => {
    src.value = picture.src
    alt.value = picture.alt || ""
    caption.value = picture.caption || ""
    preview.src = picture.thumbnail
    preview.alt = picture.alt || ""
    for (const item of grid.querySelectorAll("[aria-pressed]")) {
      item.setAttribute("aria-pressed", String(item.dataset.src === picture.src))
    }
    showErrors([])
  }
  const tile = (picture) => {
    const button = crel("button", { type: "button", title: picture.alt }, [
      crel("img", { src: picture.thumbnail, alt: picture.alt, loading: "lazy" }),
    ])
    button.dataset.src = picture.src
    button.setAttribute("aria-pressed", "false")
    button.addEventListener("click", () => choose(picture))
    return crel("li", {}, [button])
  }

  let searchTimer = null
  const load = async () => {
    const url = `${addresses().pictures}?q=${encodeURIComponent(search.value)}`
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    const { results = [] } = response.ok ? await response.json() : {}
    grid.replaceChildren(...results.map(tile))
    emptyNote.hidden = results.length > 0
  }
  search.addEventListener("input", () => {
    clearTimeout(searchTimer)
    searchTimer = setTimeout(load, 250)
  })
  // Enter in the search box searches rather than inserting.
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault()
      load()
    }
  })

  // Resolves true once the chosen file is one of our pictures (or when there is none).
  const upload = async () => {
    if (!alt.value.trim()) {
      showErrors([t("Describe the picture for people who cannot see it, then upload it.")])
      alt.focus()
      return false
    }
    const data = new FormData()
    data.append("file", file.files[0])
    data.append("alt_text", alt.value.trim())
    data.append("caption", caption.value.trim())
    data.append("credit", credit.value.trim())
    uploadButton.disabled = true
    uploadButton.textContent = t("Uploading…")
    const { ok, payload } = await postForm(addresses().upload, data)
    uploadButton.disabled = false
    uploadButton.textContent = t("Upload")
    if (!ok) {
      showErrors(Object.values(payload.errors || {}).flat())
      return false
    }
    file.value = ""
    grid.prepend(tile(payload))
    emptyNote.hidden = true
    choose(payload)
    return true
  }
  uploadButton.addEventListener("click", () => {
    if (!file.files.length) showErrors([t("Choose a picture file first.")])
    else upload()
  })

  insert.addEventListener("click", async (event) => {
    event.preventDefault()
    // A file chosen but not uploaded yet: upload it, then insert it.
    if (file.files.length && !(await upload())) return
    const address = relativeAddress(src.value)
    const media = addresses().media || "/media/"
    if (!address) {
      showErrors([t("Choose one of our pictures or upload one.")])
      return
    }
    if (!address.startsWith(media)) {
      showErrors([t("Only our own pictures can be shown: upload this one here first.")])
      return
    }
    if (!alt.value.trim()) {
      showErrors([t("Describe the picture for people who cannot see it.")])
      alt.focus()
      return
    }
    const content = [{ type: "image", attrs: { src: address, alt: alt.value.trim() } }]
    if (caption.value.trim()) content.push({ type: "caption", content: [{ type: "text", text: caption.value.trim() }] })
    dialog.close()
    editor.chain().focus().insertContent({ type: "figure", content }).run()
  })
  cancel.addEventListener("click", () => dialog.close())
  dialog.addEventListener("close", () => dialog.remove())
  dialog.showModal()
  load()
  search.focus()
}

export const CollectifFigure = Figure.extend({
  addCommands() {
    const parent = this.parent?.() || {}
    const pick = () => (props) => {
      // An existing picture keeps the editor's own dialog (address, description).
      if (selectionInFigure(props.state)) return parent.editImage()(props)
      if (props.dispatch) openPicturePicker(props.editor)
      return true
    }
    return { ...parent, insertFigure: pick, editImage: pick }
  },

  addKeyboardShortcuts() {
    return {
      ...(this.parent?.() || {}),
      // Enter at the end of a caption starts a paragraph after the figure.
      Enter: ({ editor }) => {
        const { $from } = editor.state.selection
        if ($from.parent.type.name !== "caption") return false
        const after = $from.after($from.depth - 1)
        return editor.chain().insertContentAt(after, { type: "paragraph" }).setTextSelection(after + 1).run()
      },
    }
  },

  addMenuItems({ buttons, menu }) {
    menu.defineItem({
      name: "figure",
      groups: "nodes",
      priority: 90,
      button: buttons.material("add_photo_alternate", t("Insert a picture")),
      command: (editor) => editor.chain().focus().insertFigure().run(),
      active: (editor) => editor.isActive("figure"),
    })
  },
})

// Notes -------------------------------------------------------------------

const noteCount = (notesEditor) => {
  const dom = notesEditor.view.dom
  const items = dom.querySelectorAll("li").length
  return items || [...dom.querySelectorAll("p")].filter((p) => p.textContent.trim()).length
}

export const Footnotes = Extension.create({
  name: "footnotes",

  addOptions() {
    return { notesField: "notes" }
  },

  addCommands() {
    return {
      insertFootnote:
        () =>
        ({ editor, dispatch }) => {
          const textarea = textareaOf(editor)
          const notesArea = textarea && inlineField(textarea, this.options.notesField)
          const notesEditor = notesArea && editorsByField.get(notesArea.name)
          if (!notesEditor) return false
          if (dispatch) openNoteDialog(editor, notesEditor)
          return true
        },
    }
  },

  addMenuItems({ buttons, menu }) {
    menu.defineItem({
      name: "footnote",
      groups: "nodes",
      priority: 80,
      button: buttons.material("edit_note", t("Add a note")),
      command: (editor) => editor.commands.insertFootnote(),
    })
  },
})

function openNoteDialog(editor, notesEditor) {
  const number = noteCount(notesEditor) + 1
  const text = crel("textarea", { name: "note", rows: 4, cols: 60, required: true })
  const insert = crel("button", { type: "submit", textContent: t("Add the note") })
  const cancel = crel("button", { type: "button", textContent: t("Cancel") })
  const dialog = crel("dialog", { className: "prose-editor-dialog collectif-note" }, [
    crel("form", { method: "dialog" }, [
      crel("h3", {
        className: "prose-editor-dialog-title",
        textContent: t("Note %s").replace("%s", String(number)),
      }),
      field(t("Text of the note"), text),
      crel("div", { className: "prose-editor-dialog-buttons" }, [insert, cancel]),
    ]),
  ])
  document.body.append(dialog)
  const { to } = editor.state.selection
  insert.addEventListener("click", (event) => {
    event.preventDefault()
    if (!text.value.trim()) {
      text.reportValidity()
      return
    }
    dialog.close()
    // The call goes where the cursor was; the text becomes the last item of
    // the notes' numbered list (articles/text.py links both ways).
    editor.chain().focus().insertContentAt({ from: to, to }, `[^${number}]`).run()
    const item = { type: "listItem", content: [{ type: "paragraph", content: [{ type: "text", text: text.value.trim() }] }] }
    const doc = notesEditor.state.doc
    const last = doc.lastChild
    if (last && last.type.name === "orderedList") {
      notesEditor.chain().insertContentAt(doc.content.size - 1, item).run()
    } else {
      const empty = doc.childCount === 1 && !doc.textContent.trim()
      const list = { type: "orderedList", content: [item] }
      if (empty) notesEditor.commands.setContent({ type: "doc", content: [list] }, { emitUpdate: true })
      else notesEditor.chain().insertContentAt(doc.content.size, list).run()
    }
  })
  cancel.addEventListener("click", () => dialog.close())
  dialog.addEventListener("close", () => dialog.remove())
  dialog.showModal()
  text.focus()
}
