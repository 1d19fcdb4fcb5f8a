// The tract and article forms: slug from the title, a new version in the
// first missing language, versions titled by their language. Progressive:
// without this script the forms still work (a blank slug is made on save).
"use strict"
{
  const setup = () => window.collectifEditor || {}
  const t = (text) => (window.gettext ? window.gettext(text) : text)
  const versionSelects = () => [...document.querySelectorAll('select[name^="versions-"][name$="-language"]')].filter(
    (select) => !select.name.includes("__prefix__"),
  )

  function titleVersions() {
    const titles = setup().versionTitles || {}
    for (const select of versionSelects()) {
      const heading = select.closest(".inline-related")?.querySelector("h3")
      const label = heading?.querySelector(".inline_label")
      if (label && titles[select.value]) {
        label.textContent = titles[select.value]
        // "Version: French version" says it twice.
        const prefix = heading.querySelector("b")
        if (prefix) prefix.hidden = true
      }
    }
  }

  function defaultLanguage(select) {
    const taken = new Set(versionSelects().filter((other) => other !== select).map((other) => other.value))
    const free = [...select.options].map((option) => option.value).find((code) => code && !taken.has(code))
    if (free) select.value = free
  }

  function prefillSlug() {
    const slug = document.querySelector("#id_slug")
    if (!slug || !setup().slug) return
    let automatic = !slug.value
    let timer = null
    slug.addEventListener("input", () => {
      automatic = !slug.value
    })
    document.addEventListener("input", (event) => {
      const title = event.target
      if (!automatic || !/^versions-\d+-title$/.test(title.name || "")) return
      const language = document.querySelector(`[name="${title.name.replace(/title$/, "language")}"]`)
      const original = document.querySelector("#id_original_language")?.value
      if (original && language?.value && language.value !== original) return
      clearTimeout(timer)
      timer = setTimeout(async () => {
        const response = await fetch(`${setup().slug}?title=${encodeURIComponent(title.value)}`, {
          credentials: "same-origin",
        })
        if (response.ok && automatic) slug.value = (await response.json()).slug
      }, 300)
    })
  }

  function renameAddLink() {
    const link = document.querySelector("#versions-group .add-row a")
    if (link) link.textContent = t("Add a translation")
  }

  // The PDF status of a saved tract, while the worker makes its PDFs: asked
  // again after 2 s, then less and less often (at most every 30 s), and no
  // more once every PDF is made or failed, or after ten minutes.
  function followPdfStatus() {
    const status = document.querySelector('.pdf-status[data-pending="true"]')
    if (!status) return
    const started = Date.now()
    let delay = 2000
    const ask = async () => {
      try {
        const response = await fetch(status.dataset.statusUrl, { credentials: "same-origin" })
        if (!response.ok) return
        const answer = await response.json()
        status.innerHTML = answer.html
        if (!answer.pending) {
          status.dataset.pending = "false"
          return
        }
      } catch {
        // Offline for a moment: ask again later.
      }
      delay = Math.min(delay * 1.5, 30000)
      if (Date.now() - started < 600000) setTimeout(ask, delay)
    }
    setTimeout(ask, delay)
  }

  // The event's recurrence picker (events/forms.py): only the questions the
  // chosen answers ask are shown, as the server reads only those; "every
  // week" ticks the start's day when no day is ticked. Without this script
  // every question shows and the form works the same.
  function followRecurrencePicker() {
    const groups = [...document.querySelectorAll(".choice-group[data-asks]")]
    if (!groups.length) return
    const asksOf = (group) => JSON.parse(group.dataset.asks)
    const questions = new Set(groups.flatMap((group) => Object.values(asksOf(group)).flat()))
    const show = () => {
      const asked = new Set()
      for (const group of groups) {
        const name = group.id.replace(/^id_/, "")
        const answer = group.querySelector("input:checked")?.value
        if (answer && (!questions.has(name) || asked.has(name))) {
          for (const question of asksOf(group)[answer] || []) asked.add(question)
        }
      }
      for (const question of questions) {
        const row = document.querySelector(`.form-row.field-${question}`)
        if (row) row.hidden = !asked.has(question)
      }
    }
    const startDay = () => {
      const value = document.querySelector("#id_starts_at_0")?.value.trim() || ""
      const format = window.get_format?.("DATE_INPUT_FORMATS")?.[0]
      const date = /^\d{4}-\d\d-\d\d$/.test(value) ? new Date(`${value}T00:00Z`) : format && value.strptime(format)
      return date && !Number.isNaN(date.getTime()) ? ["SU", "MO", "TU", "WE", "TH", "FR", "SA"][date.getUTCDay()] : ""
    }
    document.addEventListener("change", (event) => {
      const group = event.target.closest?.(".choice-group[data-asks]")
      if (!group) return
      const days = [...document.querySelectorAll('input[name="repeat_weekdays"]')]
      if (asksOf(group)[event.target.value]?.includes("repeat_weekdays") && !days.some((day) => day.checked)) {
        const day = days.find((box) => box.value === startDay())
        if (day) day.checked = true
      }
      show()
    })
    show()
  }

  document.addEventListener("DOMContentLoaded", () => {
    followPdfStatus()
    followRecurrencePicker()
    prefillSlug()
    titleVersions()
    document.addEventListener("change", (event) => {
      if (/^versions-\d+-language$/.test(event.target.name || "")) titleVersions()
    })
    document.addEventListener("formset:added", (event) => {
      const select = event.target.querySelector('select[name$="-language"]')
      if (event.detail?.formsetName === "versions" && select) {
        defaultLanguage(select)
        titleVersions()
      }
    })
    // Django's inline script adds the link once the page is ready.
    setTimeout(renameAddLink, 0)
  })
}
