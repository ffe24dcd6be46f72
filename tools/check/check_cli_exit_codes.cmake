# strata-check's exit codes on generated histories: 0 linearizable,
# 1 violation, 2 bad input or usage, 3 unknown (budget exhausted).
# Run by ctest: cmake -DCHECK=<strata-check> -DGEN=<strata-check-gen> -DDIR=<dir> -P <this>.

function(generate file)
  execute_process(COMMAND ${GEN} ${ARGN} OUTPUT_FILE ${DIR}/${file} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "strata-check-gen ${ARGN}: exit ${rc}")
  endif()
endfunction()

# Runs strata-check with ARGN, wants exit code `want` and `text` in its output.
function(expect want text)
  execute_process(COMMAND ${CHECK} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL want)
    message(FATAL_ERROR "strata-check ${ARGN}: exit ${rc}, want ${want}\n${out}\n${err}")
  endif()
  string(FIND "${out}${err}" "${text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "strata-check ${ARGN}: no '${text}' in\n${out}\n${err}")
  endif()
endfunction()

set(common --seed 7 --processes 5 --keys 5 --ops 2000 --info 0.05)
generate(good.jsonl ${common})
generate(stale.jsonl ${common} --corrupt stale)
file(WRITE ${DIR}/bad.jsonl
     "{\"process\":1,\"type\":\"invoke\",\"op\":\"get\",\"key\":\"k\",\"time\":1}\n"
     "{\"process\":1,\"type\":\"ok\",\"op\":\"get\",\"key\":\"k\",\"time\":2}\n")

expect(0 "result: linearizable" ${DIR}/good.jsonl)
expect(0 "\"result\":\"linearizable\"" --json ${DIR}/good.jsonl)
expect(1 "failing core" ${DIR}/stale.jsonl)
expect(1 "\"result\":\"violation\"" --json ${DIR}/stale.jsonl)
expect(1 "not shrunk" --no-shrink ${DIR}/stale.jsonl)
expect(3 "UNKNOWN: search budget exhausted" --max-states 1 ${DIR}/good.jsonl)
expect(2 "line 2: missing field \"result\"" ${DIR}/bad.jsonl)
expect(2 "\"result\":\"bad_input\"" --json ${DIR}/bad.jsonl)
expect(2 "cannot open" ${DIR}/missing.jsonl)
expect(2 "HISTORY_FILE is required" --json)
expect(2 "" --max-states 0 ${DIR}/good.jsonl)
expect(0 "Usage" --help)
