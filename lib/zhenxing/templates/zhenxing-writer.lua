--[[
zhenxing-writer.lua: a pandoc custom writer that writes the Typst source and the
DOCX of one report from one parse of its Markdown (render.py runs it instead of two
pandoc processes, each parsing the same text). For each format it runs the filter
zhenxing.lua exactly as `pandoc --to <format> --lua-filter zhenxing.lua` would
(FORMAT set to the format's name), then pandoc's own writer:

- typst: standalone with the template `zx-typst-template` and the variables given
  (serif-font, sans-font, …); every local image copied into `zx-media` under the
  SHA-1 of its bytes (as --extract-media does) and referenced there;
- docx: with the reference document `zx-reference-doc`.

Variables: zx-filter, zx-typst (output path, optional), zx-docx (output path,
optional), zx-typst-template, zx-media, zx-reference-doc. Returns nothing itself.
]]

local function var(opts, name)
  local v = opts.variables[name]
  if v == nil then
    return nil
  end
  return tostring(v)
end

local function filtered(doc, path, format)
  local env = setmetatable({ FORMAT = format }, { __index = _G })
  local chunk = assert(loadfile(path, 't', env))
  chunk()
  return env.Pandoc(doc:clone())
end

local function read(path)
  local fh = assert(io.open(path, 'rb'))
  local text = fh:read('a')
  fh:close()
  return text
end

local function write(path, bytes)
  local fh = assert(io.open(path, 'wb'))
  fh:write(bytes)
  fh:close()
end

local function extract_media(doc, dir)
  local done = {}
  return doc:walk {
    Image = function(img)
      if img.src:match('^%a[%w+.-]*:') then
        return nil
      end
      local _, contents = pandoc.mediabag.fetch(img.src)
      local name = img.src
      if name:match('^/') or name:match('%.%.') then  -- kept under its own name otherwise
        local ext = img.src:match('%.([%w]+)$')
        name = pandoc.utils.sha1(contents) .. (ext and ('.' .. ext) or '')
      end
      if not done[name] then
        pandoc.system.make_directory(pandoc.path.directory(dir .. '/' .. name), true)
        write(dir .. '/' .. name, contents)
        done[name] = true
      end
      img.src = dir .. '/' .. name
      return img
    end,
  }
end

function ByteStringWriter(doc, opts)
  local filter = var(opts, 'zx-filter')
  local typ = var(opts, 'zx-typst')
  if typ then
    local d = filtered(doc, filter, 'typst')
    d = extract_media(d, var(opts, 'zx-media'))
    local wopts = pandoc.WriterOptions {
      template = pandoc.template.compile(read(var(opts, 'zx-typst-template'))),
      variables = opts.variables,
    }
    write(typ, pandoc.write(d, 'typst', wopts))
  end
  local docx = var(opts, 'zx-docx')
  if docx then
    local d = filtered(doc, filter, 'docx')
    local wopts = pandoc.WriterOptions {
      reference_doc = var(opts, 'zx-reference-doc'),
      variables = opts.variables,
    }
    write(docx, pandoc.write(d, 'docx', wopts))
  end
  return ''
end
