// Google Forms -> tpm_plugin intake, signed the Standard Webhooks way.
// In the form: Extensions > Apps Script, paste this file, set the two script properties
// (Project Settings > Script properties): TPM_INTAKE_URL and TPM_INTAKE_SECRET (whsec_...),
// then add a trigger: onFormSubmit, event source "From form", event type "On form submit".
// Answers are keyed by each question's item id, which stays the same when a question is
// reworded; map those ids in the intake source.

function onFormSubmit(e) {
  var properties = PropertiesService.getScriptProperties();
  var response = e.response;
  var answers = {};
  response.getItemResponses().forEach(function (itemResponse) {
    answers[String(itemResponse.getItem().getId())] = itemResponse.getResponse();
  });
  var body = JSON.stringify({
    responseId: response.getId(),
    submittedAt: response.getTimestamp().toISOString(),
    answers: answers
  });
  var id = 'gforms_' + response.getId();
  var timestamp = String(Math.floor(Date.now() / 1000));
  UrlFetchApp.fetch(properties.getProperty('TPM_INTAKE_URL'), {
    method: 'post',
    contentType: 'application/json',
    payload: body,
    headers: signedHeaders(id, timestamp, body, properties.getProperty('TPM_INTAKE_SECRET')),
    muteHttpExceptions: true
  });
}

function signedHeaders(id, timestamp, body, secret) {
  var key = Utilities.base64Decode(secret.replace(/^whsec_/, ''));
  var content = Utilities.newBlob(id + '.' + timestamp + '.' + body).getBytes();
  var signature = Utilities.computeHmacSignature(Utilities.MacAlgorithm.HMAC_SHA_256, content, key);
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': 'v1,' + Utilities.base64Encode(signature)
  };
}
