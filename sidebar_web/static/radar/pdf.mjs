// PDF radar: pages drawn with pdf.js as the visitor scrolls; progress = furthest page reached / pages.
const holder = document.getElementById("pdf");
const pdfjs = await import(holder.dataset.lib);
pdfjs.GlobalWorkerOptions.workerSrc = holder.dataset.worker;

try {
  const doc = await pdfjs.getDocument({ url: holder.dataset.src }).promise;
  holder.textContent = "";
  const first = await doc.getPage(1);
  const ratio = first.getViewport({ scale: 1 }).height / first.getViewport({ scale: 1 }).width;
  const pages = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const box = document.createElement("div");
    box.className = "radar-page";
    box.dataset.page = n;
    box.style.aspectRatio = `1 / ${ratio}`;
    holder.appendChild(box);
    pages.push(box);
  }

  const draw = async (box) => {
    if (box.dataset.drawn) return;
    box.dataset.drawn = "1";
    const page = await doc.getPage(Number(box.dataset.page));
    const scale = (holder.clientWidth * (window.devicePixelRatio || 1)) / page.getViewport({ scale: 1 }).width;
    const viewport = page.getViewport({ scale });
    const canvas = document.createElement("canvas");
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    box.style.aspectRatio = "";
    box.appendChild(canvas);
    await page.render({ canvasContext: canvas.getContext("2d"), viewport }).promise;
  };
  // Draw pages a screen or two before they scroll into view.
  const near = new IntersectionObserver((entries) => {
    for (const e of entries) if (e.isIntersecting) draw(e.target);
  }, { rootMargin: "200% 0px" });
  // A page counts as reached once half of it (or half the screen) is in view.
  let furthest = 0;
  const seen = new IntersectionObserver((entries) => {
    for (const e of entries) {
      const shown = e.intersectionRect.height;
      if (e.isIntersecting && (e.intersectionRatio >= 0.5 || shown >= window.innerHeight / 2)) {
        furthest = Math.max(furthest, Number(e.target.dataset.page));
        window.radarProgress(furthest / doc.numPages * 100);
      }
    }
  }, { threshold: [0, 0.25, 0.5, 0.75, 1] });
  for (const box of pages) { near.observe(box); seen.observe(box); }
} catch (err) {
  const note = document.createElement("p");
  note.className = "radar-empty";
  note.textContent = "文档加载失败，请稍后重试或联系您的顾问/客服。";
  holder.replaceChildren(note);
  console.error(err);
}
