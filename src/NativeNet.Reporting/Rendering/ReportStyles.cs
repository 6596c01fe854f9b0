namespace NativeNet.Reporting.Rendering;

/// <summary>The report's stylesheet, inlined into every report (no external fonts or files:
/// the system UI font of the reader's machine).</summary>
internal static class ReportStyles
{
    public const string Css = """
:root{--ink:#111827;--muted:#6b7280;--line:#e5e7eb;--bg:#f3f4f6;--card:#ffffff;--accent:#1d4ed8;--hero:#0f172a}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif}
.wrap{max-width:1200px;margin:0 auto;padding:0 24px}
header.hero{background:var(--hero);color:#f8fafc;padding:28px 0 30px}
.eyebrow{text-transform:uppercase;letter-spacing:.08em;font-size:12px;color:#93c5fd;font-weight:600}
h1{font-size:28px;line-height:1.25;margin:6px 0 4px;font-weight:700;overflow-wrap:anywhere}
.meta{color:#cbd5e1;margin:0 0 20px;font-size:14px}
.meta span+span::before{content:"·";margin:0 8px;color:#64748b}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:14px}
.kpi{background:#1e293b;border:1px solid #334155;border-radius:10px;padding:14px 16px}
.kpi-label{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:#94a3b8;font-weight:600}
.kpi-value{font-size:30px;font-weight:700;font-variant-numeric:tabular-nums;color:#fff;line-height:1.2;margin-top:4px}
.kpi-ci{font-size:12.5px;color:#cbd5e1;font-variant-numeric:tabular-nums}
main{padding:8px 0 32px}
section{margin-top:26px}
h2{font-size:18px;margin:0 0 12px;font-weight:650;color:#0f172a;border-bottom:2px solid var(--line);padding-bottom:6px}
h3{font-size:14px;margin:0 0 8px;font-weight:600;color:#1f2937}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:18px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px;box-shadow:0 1px 2px rgba(15,23,42,.04);min-width:0}
.card.wide{grid-column:1/-1}
figure{margin:0}
figcaption{font-size:12.5px;color:var(--muted);margin-top:6px}
svg.chart{display:block;width:100%;height:auto;max-width:100%;font-family:inherit}
svg.chart.natural{width:auto;max-width:100%;margin:0 auto}
svg .tick{font-size:11.5px;fill:#4b5563;font-variant-numeric:tabular-nums}
svg .axis-title{font-size:12.5px;fill:#374151;font-weight:600}
svg .legend{font-size:12px;fill:#1f2937}
svg .note{font-size:11px;fill:#6b7280}
svg .cell-count{font-size:17px;font-weight:700;font-variant-numeric:tabular-nums}
svg .cell-frac{font-size:11.5px}
svg .node-title{font-size:13px;font-weight:600;fill:#111827}
svg .node-detail{font-size:11.5px;fill:#4b5563;font-variant-numeric:tabular-nums}
.na{display:flex;align-items:center;justify-content:center;min-height:120px;background:#f9fafb;border:1px dashed #d1d5db;border-radius:8px;color:var(--muted);padding:16px;text-align:center;font-size:13px}
.na strong{color:#374151;margin-right:4px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:baseline;overflow-wrap:anywhere}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600;background:#f9fafb}
td.num,th.num{text-align:right}
tbody th{text-transform:none;letter-spacing:0;font-size:13px;color:#374151;width:34%}
tr.mean td{font-weight:600;background:#f8fafc}
.ci{color:var(--muted);font-size:12.5px}
.notes{background:#eff6ff;border:1px solid #bfdbfe;color:#1e3a8a;border-radius:10px;padding:12px 16px;margin-top:20px;white-space:pre-wrap}
.provenance{white-space:pre-wrap;color:#374151;font-size:13px;margin:10px 0 0}
details{margin-top:12px}
summary{cursor:pointer;color:var(--accent);font-weight:600}
.mini{display:flex;flex-wrap:wrap;gap:16px;margin-top:10px}
.mini table{width:auto}
.mini td,.mini th{padding:3px 8px;font-size:12.5px}
footer{color:var(--muted);font-size:12px;padding:18px 0 28px;border-top:1px solid var(--line);margin-top:8px;background:#fff}
@media (max-width:900px){.grid{grid-template-columns:1fr}}
@media print{body{background:#fff}.card{box-shadow:none;break-inside:avoid}header.hero{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
""";
}
