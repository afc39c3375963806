/**
 * The plan half of the azureml backend, alone: `AzureMl.plan` is what the azureml layer's `plan`
 * calls. Importing only it lets the bundle leave out what executing needs (the Azure SDK's
 * storage and identity clients), so `plan --backend azureml` does not load them.
 *
 * @internal
 */
export { plan } from "@estimator/submit/AzureMl"
