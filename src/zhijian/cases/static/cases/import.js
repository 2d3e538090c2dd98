/* 导入案件 page: refuse a file that is too large or of the wrong type before uploading it, and say
   that the upload is under way (a large file takes a while). No inline scripts (CSP). */
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form) { return; }
  var input = form.querySelector("input[type=file]");
  var status = document.getElementById("upload-status");

  function check() {
    input.setCustomValidity("");
    var file = input.files && input.files[0];
    if (!file) { return; }
    var max = parseInt(input.getAttribute("data-max-bytes") || "0", 10);
    var name = file.name.toLowerCase();
    if (/\.xls$/.test(name)) {
      input.setCustomValidity("不支持 Excel 97-2003 格式（.xls）。请在 Excel 或 WPS 中“另存为” .xlsx 或 CSV 后再上传。");
    } else if (!/\.(csv|xlsx)$/.test(name)) {
      input.setCustomValidity("只能上传 CSV（.csv）或 Excel（.xlsx）文件。");
    } else if (max && file.size > max) {
      input.setCustomValidity("文件过大（" + (file.size / 1048576).toFixed(1) + " MB），最大 " +
        Math.round(max / 1048576) + " MB。请按法院或收案年度分成几个文件分别上传。");
    }
    input.reportValidity();
  }

  input.addEventListener("change", check);
  form.addEventListener("submit", function () {
    var file = input.files && input.files[0];
    if (file && status) {
      status.textContent = "正在上传 " + file.name + "（" + (file.size / 1048576).toFixed(1) + " MB），请勿关闭页面……";
    }
  });
})();
